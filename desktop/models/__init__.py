"""Qt item models over the local cache; rows are loaded off the UI thread."""
