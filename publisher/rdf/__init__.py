"""RDF plumbing shared by every stage.

Namespaces, the one formats table, term conversion, parsing and the bundled files; imports
neither Flask nor click, and nothing else of the publisher.
"""
