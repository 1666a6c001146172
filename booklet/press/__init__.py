"""PDF output: canvases and metadata, marks, finishing a page and a file, print sheets, saddle
imposition, previews."""
