"""Property paths are bounded in steps on the parse: Oxigraph's planning time grows with
the cube of a path's length (bench/paths: 0.3 s at 100 steps, 20 s at 400), so a path
past MAX_PATH_STEPS is a 400 that names the limit and the count, not a query that runs
until the time limit."""

import pytest

from publisher.store.dataset import DATASET_GRAPHS
from publisher.store.guard import check_query
from publisher.store.query import DEFAULT_MAX_PATH_STEPS, ForbiddenQuery


def _path(steps: int, step: str = "a") -> str:
    return "SELECT * WHERE { ?s " + "/".join([step] * steps) + " ?o }"


def test_a_path_at_the_limit_is_accepted() -> None:
    check_query(_path(DEFAULT_MAX_PATH_STEPS), DATASET_GRAPHS)


def test_one_step_past_the_limit_is_refused_naming_the_limit_and_the_count() -> None:
    steps = DEFAULT_MAX_PATH_STEPS + 1
    with pytest.raises(ForbiddenQuery) as refused:
        check_query(_path(steps), DATASET_GRAPHS)
    assert str(refused.value).startswith(
        f"line 1, column 21: a property path of {steps} steps; "
        f"at most {DEFAULT_MAX_PATH_STEPS} steps are accepted"
    )


@pytest.mark.parametrize(
    ("path", "steps"),
    [
        ("(a|^a)/!(a|<p>)/(a/(a|a)*)", 6),  # brackets, alternatives, a negated set
        ("^mr:x+/a?", 2),
        ("mr:x/^skos:broader/a", 3),
    ],
)
def test_steps_are_counted_through_brackets(path: str, steps: int) -> None:
    text = f"SELECT * WHERE {{ ?s ?p ?o . ?s {path} ?o ; a ?type }}"
    check_query(text, DATASET_GRAPHS, steps)
    with pytest.raises(
        ForbiddenQuery, match=f"a property path of {steps} steps; at most {steps - 1}"
    ):
        check_query(text, DATASET_GRAPHS, steps - 1)


def test_the_limit_is_per_path_and_zero_accepts_any() -> None:
    """Two paths at the limit pass; 0 (the setting's "no limit") lets a long one through."""
    two = "SELECT * WHERE { ?s " + "/".join(["a"] * 8) + " ?o . ?o " + "/".join(["a"] * 8) + " ?x }"
    check_query(two, DATASET_GRAPHS, 8)
    check_query(_path(500), DATASET_GRAPHS, 0)
