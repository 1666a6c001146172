"""Layouts: settings, the card's block kinds, and snippets rendered in a budgeted sandbox from
plain data."""
