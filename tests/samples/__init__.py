"""Deterministic builder of the project's sample PDFs (data/raw/).

The sample batch is rendered from the source texts in ../shared/corpus so the project
owns both the PDFs and the truth behind them. Modules:

- corpus, corpus_accounts, corpus_note: parse the corpus texts into frozen dataclasses.
- textkit: fonts, wrapping and a deterministic reportlab canvas.
- render_grants, render_accounts, render_note, render_intentions, render_letter:
  one renderer per document type, parametrised so tests can render variants.
- scan: rasterise + degrade like an office scan, and add a tesseract text layer.
- build: `python -m tests.samples.build --out data/raw` builds the committed batch.
"""
