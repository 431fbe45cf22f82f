"""The label of a product (a sourcing run) is the high-water mark of its inputs, by the 4774
rules: the highest classification, restrictive categories united, permissive ones intersected
(releasability narrowed to what every input allows). Property tests (hypothesis) over random
storable labels under every policy and random readers: no reader who may see the product lacks
access to any input, and the product is no stricter than needed on releasability."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forcegen.labels.label import Category, Label, translate
from forcegen.workspace.accounts import User
from forcegen.workspace.label_store import DEFAULT_POLICY, join, label_columns, policies, view_of
from forcegen.workspace.readers import Reader

REL = "Releasable To"
NATIONS = ["DEU", "FRA", "GBR", "NLD", "NZL", "POL", "USA", "CAN", "AUS"]
_SETTINGS = settings(max_examples=150, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _storable(label: Label) -> bool:
    try:
        label_columns(label)
    except Exception:  # no equivalent under the default policy: the workspace refuses it
        return False
    return True


@st.composite
def labels(draw: st.DrawFn, rel_only: bool = False) -> Label:
    ps = policies()
    pid = draw(st.sampled_from(["GBR", "NATO", "NZL"]))
    pol = ps.get(pid)
    cats = []
    for tag, cdef in pol.categories.items():
        if (rel_only and tag != REL) or not draw(st.booleans()):
            continue
        pool = sorted(v for v in cdef.values if v != "NONE") + (NATIONS if tag == REL else [])
        values = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
        cats.append(Category(tag, cdef.type, tuple(sorted(values))))
    level = draw(st.sampled_from([c.name for c in pol.classifications]))
    label = Label(pid, level, tuple(sorted(cats, key=lambda c: c.tag)))
    if not _storable(label):
        label = Label(pid, level)  # e.g. "UK EYES ONLY": no NATO equivalent
    return label


@st.composite
def readers(draw: st.DrawFn) -> User:
    ps = policies()
    chosen = draw(st.lists(st.sampled_from(["GBR", "NZL"]), max_size=2, unique=True))
    clearances = [{"policy": p, "classification": draw(st.sampled_from(
        [c.name for c in ps.get(p).classifications]))} for p in chosen]
    memberships: dict[str, list[str]] = {}
    for tag, pool in (("Special Handling", ["ATOMAL", "CRYPTO", "SIGINT", "UK EYES ONLY"]),
                      ("Community", ["INTEL", "LOGISTICS", "CYBER", "PLANNING"]),
                      (REL, ["FVEY", "FIVE EYES", "EU", "NATO", "COALITION", "GBR"])):
        held = draw(st.lists(st.sampled_from(pool), max_size=3, unique=True))
        if held:
            memberships[tag] = held
    return User(username="reader", role="observer",
                nation=draw(st.sampled_from([None, *NATIONS])), clearance=draw(st.integers(0, 4)),
                clearances=clearances or None, memberships=memberships or None)


def _nato(label: Label) -> Label:
    return label if label.policy == DEFAULT_POLICY else translate(label, DEFAULT_POLICY,
                                                                  policies())


@_SETTINGS
@given(st.lists(labels(), min_size=1, max_size=5), st.lists(readers(), min_size=1, max_size=4))
def test_no_reader_of_the_product_lacks_access_to_an_input(items: list[Label],
                                                           users: list[User]) -> None:
    product = join(items)
    assert _storable(product)
    for user in users:
        reader = Reader(user)
        if reader.sees(product):
            denied = [lab for lab in items if not reader.sees(lab)]
            assert not denied, (product, denied, user.nation, user.memberships)


@_SETTINGS
@given(st.lists(labels(), min_size=1, max_size=5))
def test_classification_is_the_highest_and_caveats_are_united(items: list[Label]) -> None:
    product = _nato(join(items))
    assert view_of(product)[0] == max(view_of(lab)[0] for lab in items)
    cats = product.category
    for lab in map(_nato, items):
        for cat in lab.categories:
            if cat.type == "restrictive":
                have = cats(cat.tag)
                assert have is not None and set(cat.values) <= set(have.values)


def _reach(tag: str, values: tuple[str, ...]) -> set[str]:
    out = set(values)
    for pol in policies().policies.values():
        cdef = pol.categories.get(tag)
        for v in values:
            if cdef is not None:
                out |= cdef.groups.get(v, frozenset())
    return out


@_SETTINGS
@given(st.lists(labels(), min_size=1, max_size=5))
def test_permissive_categories_are_narrowed_to_what_every_input_allows(
        items: list[Label]) -> None:
    product = join(items)
    same = [lab if lab.policy == product.policy else translate(lab, product.policy, policies())
            for lab in items] if product.category(REL) is None or \
        product.category(REL).values != ("NONE",) else []
    for cat in product.categories:
        if cat.type != "permissive":
            continue
        for lab in same:
            theirs = lab.category(cat.tag)
            if theirs is not None:  # narrowed: never a value an input does not reach
                assert set(cat.values) <= _reach(cat.tag, theirs.values), (cat, theirs)


@_SETTINGS
@given(st.lists(labels(rel_only=True), min_size=1, max_size=5),
       st.sampled_from(NATIONS), st.integers(0, 4))
def test_releasability_is_exact_for_a_nation_that_every_input_reaches(
        items: list[Label], nation: str, clearance: int) -> None:
    """Not stricter than needed: a national reader of every input reads the product."""
    reader = Reader(User(username="r", role="observer", nation=nation, clearance=clearance))
    if all(reader.sees(lab) for lab in items):
        assert reader.sees(join(items)), (items, join(items), nation)
