"""Merkle roots, inclusion and consistency proofs match RFC 9162's definitions, by hand.

The vectors are the eight leaves certificate transparency's reference implementations
test with (empty, 00, 10, 2021, 3031, 40414243, 5051525354555657, 606162...6f). The
expected hashes below were computed by hand from the RFC's definitions with hashlib
(``_h``, ``_leaf``, ``_node`` here), not by the code under test, and agree with the
published vectors of those implementations.
"""

from __future__ import annotations

import hashlib

import pytest

from hub.audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    MerkleTree,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

DATA = [
    bytes.fromhex(text)
    for text in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _leaf(i: int) -> bytes:
    return _h(b"\x00" + DATA[i])


def _node(left: bytes, right: bytes) -> bytes:
    return _h(b"\x01" + left + right)


# Interior nodes of the eight-leaf tree, by hand: k = 2**h, j-th pair.
H01 = _node(_leaf(0), _leaf(1))
H23 = _node(_leaf(2), _leaf(3))
H45 = _node(_leaf(4), _leaf(5))
H67 = _node(_leaf(6), _leaf(7))
H0123 = _node(H01, H23)
H4567 = _node(H45, H67)

TREE = MerkleTree([leaf_hash(d) for d in DATA])


def test_hand_computed_nodes_agree_with_the_published_roots() -> None:
    """The by-hand nodes give the published roots of 2, 4 and 8 leaves and the odd ones."""
    assert ROOTS[1] == _leaf(0).hex()
    assert ROOTS[2] == H01.hex()
    assert ROOTS[3] == _node(H01, _leaf(2)).hex()
    assert ROOTS[4] == H0123.hex()
    assert ROOTS[5] == _node(H0123, _leaf(4)).hex()
    assert ROOTS[6] == _node(H0123, H45).hex()
    assert ROOTS[7] == _node(H0123, _node(H45, _leaf(6))).hex()
    assert ROOTS[8] == _node(H0123, H4567).hex()


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_of_every_prefix_match_the_vectors(size: int) -> None:
    """MTH(D[n]) for n = 1..8, from the tree and from the frontier an appender keeps."""
    frontier = Frontier()
    for data in DATA[:size]:
        frontier.append(leaf_hash(data))
    assert ROOTS[size] == TREE.root(size).hex()
    assert ROOTS[size] == frontier.root().hex()


def test_the_empty_tree_is_the_hash_of_nothing() -> None:
    """MTH({}) = SHA-256() (RFC 9162 2.1.1)."""
    assert "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" == EMPTY_ROOT.hex()
    assert EMPTY_ROOT == Frontier().root()


INCLUSION = [
    (0, 1, []),
    (0, 8, [_leaf(1), H23, H4567]),
    (5, 8, [_leaf(4), H67, H0123]),
    (2, 3, [H01]),
    (1, 5, [_leaf(0), H23, _leaf(4)]),
    (6, 7, [H45, H0123]),
]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proofs_match_the_hand_computed_paths(
    index: int, size: int, path: list[bytes]
) -> None:
    """PATH(m, D[n]) is the hand-derived path, and it verifies against the root."""
    assert path == TREE.inclusion_proof(index, size)
    assert verify_inclusion(_leaf(index), index, size, path, bytes.fromhex(ROOTS[size]))


def test_an_inclusion_proof_fails_for_another_leaf_index_root_or_path() -> None:
    """Changing the leaf, its index, the root or one node of the path fails the check."""
    path = TREE.inclusion_proof(5, 8)
    root = bytes.fromhex(ROOTS[8])
    assert not verify_inclusion(_leaf(4), 5, 8, path, root)
    assert not verify_inclusion(_leaf(5), 4, 8, path, root)
    assert not verify_inclusion(_leaf(5), 5, 8, path, bytes.fromhex(ROOTS[7]))
    assert not verify_inclusion(_leaf(5), 5, 8, [path[0], _leaf(0), path[2]], root)
    assert not verify_inclusion(_leaf(5), 5, 8, path[:2], root)
    assert not verify_inclusion(_leaf(5), 8, 8, path, root)


CONSISTENCY = [
    (1, 1, []),
    (1, 8, [_leaf(1), H23, H4567]),
    (6, 8, [H45, H67, H0123]),
    (2, 5, [H23, _leaf(4)]),
    (4, 8, [H4567]),
    (3, 7, [_leaf(2), _leaf(3), H01, _node(H45, _leaf(6))]),
]


@pytest.mark.parametrize(("first", "second", "path"), CONSISTENCY)
def test_consistency_proofs_match_the_hand_computed_proofs(
    first: int, second: int, path: list[bytes]
) -> None:
    """PROOF(m, D[n]) is the hand-derived proof, and it verifies between the two roots."""
    assert path == TREE.consistency_proof(first, second)
    first_root, second_root = bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second])
    assert verify_consistency(first, second, first_root, second_root, path)


def test_a_consistency_proof_fails_for_a_rewritten_history() -> None:
    """A first root the second tree does not extend, or a changed node, fails the check."""
    proof = TREE.consistency_proof(6, 8)
    assert not verify_consistency(6, 8, bytes.fromhex(ROOTS[5]), bytes.fromhex(ROOTS[8]), proof)
    assert not verify_consistency(6, 8, bytes.fromhex(ROOTS[6]), bytes.fromhex(ROOTS[7]), proof)
    assert not verify_consistency(
        6, 8, bytes.fromhex(ROOTS[6]), bytes.fromhex(ROOTS[8]), [proof[0], H01, proof[2]]
    )
    assert not verify_consistency(6, 8, bytes.fromhex(ROOTS[6]), bytes.fromhex(ROOTS[8]), [])


def test_every_proof_of_a_larger_tree_verifies() -> None:
    """Inclusion of each leaf and consistency of each pair of sizes, up to 70 leaves."""
    leaves = [leaf_hash(n.to_bytes(2, "big")) for n in range(70)]
    tree = MerkleTree(leaves)
    frontier = Frontier()
    for size in range(1, 71):
        frontier.append(leaves[size - 1])
        root = tree.root(size)
        assert root == frontier.root()
        for index in (0, size // 2, size - 1):
            path = tree.inclusion_proof(index, size)
            assert verify_inclusion(leaves[index], index, size, path, root)
        for first in range(1, size + 1):
            proof = tree.consistency_proof(first, size)
            assert verify_consistency(first, size, tree.root(first), root, proof)
