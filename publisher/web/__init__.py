"""The web publisher: Linked Data, the SPARQL endpoint and pages for people.

The only part of the package that imports Flask.
"""
