"""A set of policies with their equivalences checked and closed both ways.

``PolicySet.map_rank(P, rank, Q)`` answers "which classification of policy Q protects an item
classified ``rank`` under P": the declared equivalent, or when Q declares nothing for P the
inverse of P's declarations where that inverse is unambiguous. Equivalences must keep order
(a higher classification never maps lower) and a round trip P -> Q -> P never lowers a
classification, so translating a label can never release it more widely; a policy set that
breaks either rule is refused when loaded.

Category equivalences (``category_equivalents`` in a policy file) say that a value of one
policy's category is the same as a value of another policy's category of the same tag (NATO's
releasability group ``FVEY`` and New Zealand's ``FIVE EYES``). They are symmetric and
transitive: :meth:`PolicySet.expand` gives a reader every value equivalent to one they hold,
so a decision applies them both ways.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from forcegen.exceptions import PolicyError, one_of
from forcegen.labels.policy import Policy, load_policy, shipped_policy_files

__all__ = ["PolicySet", "default_policies", "load_policies"]


class PolicySet:
    """Policies by id, with a rank table per ordered pair of policies (-1: no equivalent)."""

    def __init__(self, policies: Iterable[Policy]) -> None:
        self.policies: dict[str, Policy] = {}
        for p in policies:
            if p.id in self.policies:
                raise PolicyError(f"{p.source}: policy {p.id} is already defined by "
                                  f"{self.policies[p.id].source}")
            self.policies[p.id] = p
        self._maps: dict[tuple[str, str], tuple[int, ...]] = {}
        self._declared()
        self._inverses()
        self._check()
        #: (tag, value) -> every value of that tag equivalent to it (itself included).
        self._same: dict[tuple[str, str], frozenset[str]] = self._category_classes()

    def __contains__(self, policy_id: object) -> bool:
        """Whether a policy of that id is registered."""
        return policy_id in self.policies

    def get(self, policy_id: str) -> Policy:
        """The policy with this id; :class:`PolicyError` naming the known ones otherwise."""
        try:
            return self.policies[policy_id]
        except KeyError:
            raise PolicyError(f"unknown policy {policy_id!r}; expected "
                              f"{one_of(self.policies)}") from None

    def by_uri(self, uri: str) -> Policy | None:
        """The policy whose identifier URI is ``uri`` (as written in 4774 XML), if any."""
        return next((p for p in self.policies.values() if p.uri == uri), None)

    def map_rank(self, source: str, rank: int, target: str) -> int:
        """The rank in ``target`` equivalent to ``rank`` in ``source``; -1 if none is declared."""
        if source == target:
            return rank
        table = self._maps.get((source, target))
        return table[rank] if table is not None else -1

    def table(self, source: str, target: str) -> tuple[int, ...]:
        """The whole rank map ``source`` -> ``target`` (identity for one policy)."""
        if source == target:
            return tuple(range(len(self.get(source).classifications)))
        n = len(self.get(source).classifications)
        return self._maps.get((source, target), (-1,) * n)

    def equivalent_values(self, tag: str, value: str) -> frozenset[str]:
        """Every value of category ``tag`` declared equivalent to ``value`` (with itself)."""
        return self._same.get((tag, value), frozenset((value,)))

    def expand(self, held: Mapping[str, Iterable[str]]) -> dict[str, frozenset[str]]:
        """Held category values with every equivalent value added (tag -> values)."""
        out: dict[str, frozenset[str]] = {}
        for tag, values in held.items():
            vals = frozenset(values)
            if self._same:
                vals = frozenset(x for v in vals for x in self.equivalent_values(tag, v))
            out[tag] = vals
        return out

    # ------------------------------------------------------------------ construction
    def _category_classes(self) -> dict[tuple[str, str], frozenset[str]]:
        parent: dict[tuple[str, str], tuple[str, str]] = {}

        def root(x: tuple[str, str]) -> tuple[str, str]:
            while parent.setdefault(x, x) != x:
                x = parent[x]
            return x

        for p in self.policies.values():
            for other_id, tags in p.category_equivalents.items():
                other = self.policies.get(other_id)
                if other is None:
                    continue  # as for classifications: decides nothing when not loaded
                for tag, pairs in tags.items():
                    mine, theirs = p.categories[tag], other.categories.get(tag)
                    where = f"{p.source} [category_equivalents.{other_id}.{tag}]"
                    if theirs is None:
                        raise PolicyError(f"{where}: policy {other_id} has no category {tag!r}")
                    if theirs.type != mine.type:
                        raise PolicyError(f"{where}: {tag!r} is {mine.type} here and "
                                          f"{theirs.type} in {other_id}; only categories of "
                                          "one type can be equivalent")
                    for own, value in pairs.items():
                        if not theirs.accepts(value):
                            raise PolicyError(f"{where}.{own}: {value!r} is not a value of "
                                              f"{other_id}'s category {tag!r}")
                        parent[root((tag, own))] = root((tag, value))
        classes: dict[tuple[str, str], set[str]] = {}
        for x in parent:
            classes.setdefault(root(x), set()).add(x[1])
        return {x: frozenset(classes[root(x)]) for x in parent}

    def _declared(self) -> None:
        for p in self.policies.values():
            for other_id, pairs in p.equivalents.items():
                other = self.policies.get(other_id)
                if other is None:
                    continue  # an equivalence to a policy not loaded here decides nothing
                ranks = [-1] * len(p.classifications)
                for own, theirs in pairs.items():
                    try:
                        ranks[p.rank(own)] = other.rank(theirs)
                    except KeyError as exc:
                        raise PolicyError(f"{p.source} [equivalents.{other_id}.{own}]: "
                                          f"{exc.args[0]}") from None
                self._maps[(p.id, other_id)] = tuple(ranks)

    def _inverses(self) -> None:
        for (a, b), ranks in list(self._maps.items()):
            if (b, a) in self._maps:
                continue
            inverse = [-1] * len(self.policies[b].classifications)
            for own, theirs in enumerate(ranks):
                if theirs < 0:
                    continue
                # Several of a's levels map onto one of b's: the highest is the safe inverse.
                inverse[theirs] = max(inverse[theirs], own)
            self._maps[(b, a)] = tuple(inverse)

    def _check(self) -> None:
        for (a, b), ranks in self._maps.items():
            pa, pb = self.policies[a], self.policies[b]
            mapped = [(r, t) for r, t in enumerate(ranks) if t >= 0]
            for (r1, t1), (r2, t2) in itertools.pairwise(mapped):
                if t2 < t1:
                    raise PolicyError(
                        f"{pa.source} [equivalents.{b}]: {pa.classifications[r2].name} maps "
                        f"below {pa.classifications[r1].name} ({pb.classifications[t2].name} < "
                        f"{pb.classifications[t1].name}); equivalences must keep the order")
            back = self._maps.get((b, a))
            for r, t in mapped:
                if back is None or back[t] < 0:
                    continue
                if back[t] < r:
                    raise PolicyError(
                        f"{pa.source} [equivalents.{b}]: {a} {pa.classifications[r].name} -> "
                        f"{b} {pb.classifications[t].name} -> {a} "
                        f"{pa.classifications[back[t]].name} lowers the classification on the "
                        "way back; the two policies' equivalences disagree")


def load_policies(paths: Iterable[Path | str]) -> PolicySet:
    """A :class:`PolicySet` from policy files (:class:`PolicyError` on any problem)."""
    return PolicySet(load_policy(p) for p in paths)


@lru_cache(maxsize=1)
def default_policies() -> PolicySet:
    """The shipped policies: NATO, GBR, NZL (illustrative) and TLP 2.0."""
    return load_policies(shipped_policy_files())
