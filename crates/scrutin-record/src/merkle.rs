//! The Merkle tree over the published ballots, so that one ballot's inclusion can be proved
//! with a handful of hashes.
//!
//! It is the Merkle Tree Hash of RFC 6962 §2.1 (unchanged in RFC 9162 §2.1.1), over the
//! ballots in the order of `ballots.jsonl`. The input of leaf `i` is the 32-byte
//! [`Entry::leaf`](crate::chain::Entry::leaf) of line `i + 1`:
//!
//! - the tree of no leaves is `SHA-256("")`;
//! - the tree of one leaf `d` is `SHA-256(0x00 ‖ d)`;
//! - the tree of `n > 1` leaves is `SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n]))`, where `k` is
//!   the largest power of two smaller than `n`.
//!
//! An inclusion proof is RFC 6962's audit path (§2.1.1), checked by RFC 9162's algorithm
//! (§2.1.3.2).

use sha2::{Digest, Sha256};

use crate::chain::Digest32;

/// `SHA-256(0x00 ‖ leaf)`: the node of one leaf.
pub fn leaf_hash(leaf: &Digest32) -> Digest32 {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(leaf);
    h.finalize().into()
}

/// `SHA-256(0x01 ‖ left ‖ right)`: an inner node.
pub fn node_hash(left: &Digest32, right: &Digest32) -> Digest32 {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two smaller than `n` (`n >= 2`).
fn split(n: usize) -> usize {
    debug_assert!(n >= 2);
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// The Merkle Tree Hash of `leaves`, in order.
pub fn root(leaves: &[Digest32]) -> Digest32 {
    match leaves.len() {
        0 => Sha256::digest(b"").into(),
        1 => leaf_hash(&leaves[0]),
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The audit path of leaf `index` (0-based) in the tree of `leaves`: the sibling subtrees'
/// hashes from the leaf up to the root. Empty when `index` is out of range (no proof exists)
/// or the tree has a single leaf (none is needed).
pub fn proof(leaves: &[Digest32], index: usize) -> Vec<Digest32> {
    let mut path = Vec::new();
    if index < leaves.len() {
        path_into(leaves, index, &mut path);
    }
    path
}

/// RFC 6962's `PATH(m, D[n])`, pushed leaf-first.
fn path_into(leaves: &[Digest32], m: usize, out: &mut Vec<Digest32>) {
    let n = leaves.len();
    if n <= 1 {
        return;
    }
    let k = split(n);
    if m < k {
        path_into(&leaves[..k], m, out);
        out.push(root(&leaves[k..]));
    } else {
        path_into(&leaves[k..], m - k, out);
        out.push(root(&leaves[..k]));
    }
}

/// Whether `proof` shows that `leaf` is leaf `index` of a tree of `size` leaves whose root is
/// `root` (RFC 9162 §2.1.3.2).
pub fn verify(leaf: &Digest32, index: u64, size: u64, proof: &[Digest32], root: &Digest32) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = leaf_hash(leaf);
    for p in proof {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && r == *root
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hex;

    fn leaves(n: usize) -> Vec<Digest32> {
        (0..n)
            .map(|i| Sha256::digest(format!("leaf {i}").as_bytes()).into())
            .collect()
    }

    #[test]
    fn known_roots() {
        // Computed independently with Python's hashlib:
        //   H = lambda b: hashlib.sha256(b).digest()
        //   L = [H(b"leaf %d" % i) for i in range(3)]
        //   H(b"")                                              (empty tree)
        //   H(b"\0" + L[0])                                     (one leaf)
        //   H(b"\1" + H(b"\1" + H(b"\0"+L[0]) + H(b"\0"+L[1])) + H(b"\0"+L[2]))
        assert_eq!(
            hex(&root(&[])),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&root(&leaves(1))),
            "31d82f8c2c1211c119bc7352c5688f177e9b25b5162483c5b571fa3eece8b3a3"
        );
        assert_eq!(
            hex(&root(&leaves(3))),
            "06e2e1946f3b546e28fec6b7d571e36753bbe5350e820315f0cb6945ec3ead03"
        );
    }

    #[test]
    fn structure_matches_the_definition() {
        let l = leaves(7);
        // 7 = 4 + 3, 3 = 2 + 1.
        let left = node_hash(
            &node_hash(&leaf_hash(&l[0]), &leaf_hash(&l[1])),
            &node_hash(&leaf_hash(&l[2]), &leaf_hash(&l[3])),
        );
        let right = node_hash(
            &node_hash(&leaf_hash(&l[4]), &leaf_hash(&l[5])),
            &leaf_hash(&l[6]),
        );
        assert_eq!(root(&l), node_hash(&left, &right));
        assert_eq!(
            proof(&l, 6),
            vec![node_hash(&leaf_hash(&l[4]), &leaf_hash(&l[5])), left]
        );
    }

    #[test]
    fn every_index_of_trees_up_to_17_proves() {
        for n in 1..=17usize {
            let l = leaves(n);
            let r = root(&l);
            for i in 0..n {
                let p = proof(&l, i);
                assert!(verify(&l[i], i as u64, n as u64, &p, &r), "n={n} i={i}");
                // The wrong leaf, index or root fails. (The size is not always bound by the path
                // alone: the signed manifest binds it.)
                let other = Sha256::digest(b"other").into();
                assert!(
                    !verify(&other, i as u64, n as u64, &p, &r),
                    "leaf n={n} i={i}"
                );
                if n > 1 {
                    let j = (i + 1) % n;
                    assert!(
                        !verify(&l[i], j as u64, n as u64, &p, &r),
                        "index n={n} i={i}"
                    );
                    assert!(
                        !verify(&l[j], i as u64, n as u64, &p, &r),
                        "leaf j n={n} i={i}"
                    );
                }
                assert!(
                    !verify(&l[i], i as u64, n as u64, &p, &other),
                    "root n={n} i={i}"
                );
                assert!(!verify(&l[i], n as u64, n as u64, &p, &r), "out of range");
                // A truncated or lengthened proof fails.
                if !p.is_empty() {
                    assert!(!verify(&l[i], i as u64, n as u64, &p[..p.len() - 1], &r));
                }
                let mut longer = p.clone();
                longer.push(other);
                assert!(!verify(&l[i], i as u64, n as u64, &longer, &r));
            }
            assert!(proof(&l, n).is_empty());
        }
    }
}
