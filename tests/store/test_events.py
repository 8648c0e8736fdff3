"""The projection patch is exact: applying diff(old, new) to old gives new, for any JSON documents."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflow.store.events import apply_patch, diff, project

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
                           max_leaves=12)
documents = st.dictionaries(st.sampled_from(["steps", "person", "materials", "id", "x"]), json_values, max_size=5)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(documents, documents)
def test_diff_then_apply_gives_the_new_document(old, new):
    assert apply_patch(old, diff(old, new)) == new


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(documents, min_size=1, max_size=5))
def test_projecting_a_history_gives_its_last_document(history):
    payloads, previous = [], {}
    for document in history:
        payloads.append({"patch": diff(previous, document)})
        previous = document
    assert project(payloads) == history[-1]


def test_appending_a_step_is_a_small_patch():
    old = {"steps": [{"step": "s01"}]}
    assert diff(old, {"steps": [{"step": "s01"}, {"step": "s02"}]}) == {"append": {"steps": [{"step": "s02"}]}}
