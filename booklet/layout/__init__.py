"""Layouts: settings, and snippets rendered in a budgeted sandbox from plain data."""
