"""PDF output: canvases and metadata, marks, print sheets, saddle imposition, previews."""
