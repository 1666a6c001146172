"""The routine as data: records, YAML reading, the schema, libraries. No pages."""
