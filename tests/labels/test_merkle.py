"""The Merkle tree against RFC 6962's definitions and the published Certificate Transparency
test vectors, by brute force over every size up to 64, and against tampering."""

from __future__ import annotations

import hashlib

import pytest

from forcegen.labels.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

# The eight leaves and the tree heads of sizes 0-8 used by Certificate Transparency's
# reference test suites for RFC 6962 (empty tree = SHA-256 of nothing).
CT_LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = {  # (leaf index, tree size): audit path
    (0, 8): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    (5, 8): ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
}


# ----------------------------------------------------------------- RFC 6962 as written
def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = _k(len(d))
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [ref_mth(d)]
    k = _k(len(d))
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def _tree(data: list[bytes]) -> MerkleTree:
    t = MerkleTree()
    for x in data:
        t.append(x)
    return t


# ----------------------------------------------------------------- published vectors
def test_heads_match_the_certificate_transparency_vectors() -> None:
    t = _tree(CT_LEAVES)
    assert EMPTY_ROOT.hex() == CT_ROOTS[0]
    assert [t.root(n).hex() for n in range(9)] == CT_ROOTS


def test_inclusion_proofs_match_the_vectors() -> None:
    t = _tree(CT_LEAVES)
    for (i, n), path in CT_INCLUSION.items():
        assert [h.hex() for h in t.inclusion_proof(i, n)] == path
        assert verify_inclusion(i, n, leaf_hash(CT_LEAVES[i]), [bytes.fromhex(h) for h in path],
                                bytes.fromhex(CT_ROOTS[n]))


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    assert leaf_hash(b"a") == hashlib.sha256(b"\x00a").digest()
    x, y = b"x" * 32, b"y" * 32
    assert node_hash(x, y) == hashlib.sha256(b"\x01" + x + y).digest()
    # a two-leaf node is not the leaf hash of the two leaf hashes concatenated
    a, b = leaf_hash(b"a"), leaf_hash(b"b")
    assert node_hash(a, b) != leaf_hash(a + b)


# ----------------------------------------------------------------- brute force up to 64
DATA = [bytes([i, (i * 7) % 256]) for i in range(64)]


def test_roots_and_proofs_equal_the_rfc_definitions_for_every_size() -> None:
    t = _tree(DATA)
    for n in range(65):
        root = t.root(n)
        assert root == ref_mth(DATA[:n]), n
        for m in range(n):
            path = t.inclusion_proof(m, n)
            assert path == ref_path(m, DATA[:n]), (m, n)
            assert verify_inclusion(m, n, leaf_hash(DATA[m]), path, root)
        for m in range(1, n + 1):
            proof = t.consistency_proof(m, n)
            assert proof == ref_subproof(m, DATA[:n], True), (m, n)
            assert verify_consistency(m, n, ref_mth(DATA[:m]), root, proof), (m, n)


def test_a_tree_built_later_gives_the_same_proofs_for_an_earlier_size() -> None:
    small, big = _tree(DATA[:37]), _tree(DATA)
    assert small.root() == big.root(37)
    assert small.inclusion_proof(20) == big.inclusion_proof(20, 37)


# ----------------------------------------------------------------- tampering
def _flip(h: bytes, bit: int = 0) -> bytes:
    return bytes([h[0] ^ (1 << bit)]) + h[1:]


def test_any_changed_hash_or_position_fails_inclusion() -> None:
    t = _tree(DATA)
    for n in (1, 2, 5, 8, 13, 33, 64):
        root = t.root(n)
        for m in range(n):
            leaf, path = leaf_hash(DATA[m]), t.inclusion_proof(m, n)
            assert not verify_inclusion(m, n, _flip(leaf), path, root)
            assert not verify_inclusion(m, n, leaf, path, _flip(root))
            for j in range(len(path)):
                bad = [*path[:j], _flip(path[j], 3), *path[j + 1:]]
                assert not verify_inclusion(m, n, leaf, bad, root)
            if path:
                assert not verify_inclusion(m, n, leaf, path[:-1], root)  # truncated
            assert not verify_inclusion(m, n, leaf, [*path, root], root)  # padded
            if n > 1:
                other = (m + 1) % n
                assert not verify_inclusion(other, n, leaf, path, root)
        assert not verify_inclusion(n, n, leaf_hash(b"x"), [], root)


def test_a_rewritten_history_fails_consistency() -> None:
    t = _tree(DATA)
    rewritten = _tree([*DATA[:10], b"changed", *DATA[11:]])
    for m in (11, 12, 16, 20):
        for n in (m, 33, 64):
            proof = rewritten.consistency_proof(m, n)
            # the old head (of the genuine history) does not lead to the rewritten log's head
            assert not verify_consistency(m, n, t.root(m), rewritten.root(n), proof), (m, n)
    n = 40
    for m in range(1, n):
        proof = t.consistency_proof(m, n)
        for j in range(len(proof)):
            bad = [*proof[:j], _flip(proof[j]), *proof[j + 1:]]
            assert not verify_consistency(m, n, t.root(m), t.root(n), bad), (m, j)
        assert not verify_consistency(m, n, _flip(t.root(m)), t.root(n), proof)
        assert not verify_consistency(m, n, t.root(m), _flip(t.root(n)), proof)
        assert not verify_consistency(m, n, t.root(m), t.root(n), proof[:-1])
    assert not verify_consistency(5, 4, t.root(5), t.root(4), [])


def test_sizes_out_of_range_are_refused() -> None:
    t = _tree(DATA[:5])
    with pytest.raises(ValueError):
        t.root(6)
    with pytest.raises(ValueError):
        t.inclusion_proof(5, 5)
    with pytest.raises(ValueError):
        t.consistency_proof(6, 5)
