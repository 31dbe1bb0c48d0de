"""Errors about RDF terms that processes without rdflib raise too (a query process's
writers, ``publisher.store.writers``): this module imports neither rdflib nor Babel."""

from publisher.i18n import N_


class TripleTermError(ValueError):
    """An RDF 1.2 triple term where this project only takes RDF 1.1 terms."""

    MESSAGE = N_(
        "RDF 1.2 triple terms (<< ... >>, <<( ... )>>, TRIPLE()) are not supported here; "
        "state the triple itself, or describe it with a claim node (mr:Claim)"
    )

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)
