"""The knowledge base in the app: its window (list and reader), the article editor, the ticket
view's linked articles and the reply's article link picker."""
