"""Type: fonts and glyph checks, paragraph markup and line breaking, stackable pieces."""
