"""A national dataset charts its reference organizations only; a small one charts all."""

from rdflib import ORG, Graph

from publisher.build.org_charts import charts_of
from publisher.build.snapshot import Snapshot


def test_beyond_the_limit_only_reference_organizations_are_charted(snapshot: Snapshot) -> None:
    graph = Graph().parse(snapshot.dump_path("all", "nt"), format="nt")
    organizations = {str(o) for o in graph.objects(None, ORG.postIn)}
    every = charts_of(graph, every_up_to=len(organizations))
    assert {chart.iri for chart in every} == organizations
    references = [chart for chart in every if chart.reference]
    assert references and len(references) < len(every)
    few = charts_of(graph, every_up_to=len(organizations) - 1)
    assert [chart.iri for chart in few] == [chart.iri for chart in references]
    assert [chart.boxes for chart in few] == [chart.boxes for chart in references]
