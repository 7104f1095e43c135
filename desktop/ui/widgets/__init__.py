"""Widgets with no knowledge of a screen: rich-text editor, badges, pictures, icons."""
