//! Exact arithmetic behind one trait.
//!
//! Every vote total in a result is a [`Number`]. No `f64` ever reaches a result: the rule sets
//! are written against this trait, and each picks the implementation its rules prescribe.
//! Scottish STV, for instance, works in units of 0.00001 ([`Fixed<5>`]), because rule 48(3) of
//! the 2007 Order says transfer values are "calculated to five decimal places (any remainder
//! being ignored)".

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub, SubAssign};

use crate::model::Weight;

/// An exact number that the rule sets count with.
pub trait Number:
    Clone
    + Copy
    + Ord
    + fmt::Debug
    + fmt::Display
    + Add<Output = Self>
    + Sub<Output = Self>
    + AddAssign
    + SubAssign
    + Sum
    + Send
    + Sync
    + 'static
{
    /// Name of the arithmetic, as shown in reports (e.g. `fixed-5`).
    fn arithmetic_name() -> String;
    fn zero() -> Self;
    fn from_int(n: i64) -> Self;
    /// A ballot weight as a number, or `None` if this arithmetic cannot hold it exactly.
    fn from_weight(w: Weight) -> Option<Self>;
    /// `self × n` for a whole number of papers: exact.
    fn mul_int(self, n: u64) -> Self;
    /// `self × num ÷ den`, truncated towards zero at this arithmetic's precision.
    /// `den` must not be zero.
    fn mul_div_trunc(self, num: Self, den: Self) -> Self;
    fn is_zero(self) -> bool {
        self == Self::zero()
    }
}

/// Fixed-point decimal with `P` places, held as an `i64` count of units of 10^-P; products go
/// through `i128`, so `mul_div_trunc` is exact before its single truncation.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Fixed<const P: u32>(i64);

impl<const P: u32> Fixed<P> {
    pub const SCALE: i64 = 10i64.pow(P);

    /// The raw count of units of 10^-P.
    pub const fn from_units(units: i64) -> Self {
        Fixed(units)
    }
    pub const fn units(self) -> i64 {
        self.0
    }
    /// Parses a decimal such as `123.45`; more places than `P` is an error, not a rounding.
    pub fn parse(s: &str) -> Option<Self> {
        let (neg, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty() || frac.len() > P as usize {
            return None;
        }
        if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let int: i64 = int.parse().ok()?;
        let mut f: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().ok()?
        };
        for _ in frac.len()..P as usize {
            f *= 10;
        }
        let v = int.checked_mul(Self::SCALE)?.checked_add(f)?;
        Some(Fixed(if neg { -v } else { v }))
    }
}

impl<const P: u32> fmt::Display for Fixed<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        let scale = Self::SCALE as u64;
        let s = if P == 0 {
            format!("{sign}{a}")
        } else {
            format!(
                "{sign}{}.{:0width$}",
                a / scale,
                a % scale,
                width = P as usize
            )
        };
        f.pad(&s)
    }
}

impl<const P: u32> fmt::Debug for Fixed<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl<const P: u32> Add for Fixed<P> {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Fixed(self.0 + o.0)
    }
}
impl<const P: u32> Sub for Fixed<P> {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        Fixed(self.0 - o.0)
    }
}
impl<const P: u32> AddAssign for Fixed<P> {
    fn add_assign(&mut self, o: Self) {
        self.0 += o.0;
    }
}
impl<const P: u32> SubAssign for Fixed<P> {
    fn sub_assign(&mut self, o: Self) {
        self.0 -= o.0;
    }
}
impl<const P: u32> Sum for Fixed<P> {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        Fixed(iter.map(|x| x.0).sum())
    }
}

impl<const P: u32> Number for Fixed<P> {
    fn arithmetic_name() -> String {
        format!("fixed-{P}")
    }
    fn zero() -> Self {
        Fixed(0)
    }
    fn from_int(n: i64) -> Self {
        Fixed(n * Self::SCALE)
    }
    fn from_weight(w: Weight) -> Option<Self> {
        // Weight is in millionths; exact only if the places we drop are zero.
        let micro = w.micro() as i128;
        let scaled = micro * Self::SCALE as i128;
        if scaled % Weight::SCALE as i128 != 0 {
            return None;
        }
        i64::try_from(scaled / Weight::SCALE as i128)
            .ok()
            .map(Fixed)
    }
    fn mul_int(self, n: u64) -> Self {
        Fixed(self.0 * n as i64)
    }
    fn mul_div_trunc(self, num: Self, den: Self) -> Self {
        // (a/S)(b/S)/(c/S) = ab/(cS) ; in units: ab/c.
        let v = (self.0 as i128 * num.0 as i128) / den.0 as i128;
        Fixed(v as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    type F5 = Fixed<5>;

    #[test]
    fn display_and_parse_round_trip() {
        let x = F5::parse("130.40863").unwrap();
        assert_eq!(x.units(), 13_040_863);
        assert_eq!(x.to_string(), "130.40863");
        assert_eq!(F5::parse("-0.5").unwrap().to_string(), "-0.50000");
        assert_eq!(F5::parse("7").unwrap(), F5::from_int(7));
        assert!(F5::parse("1.000001").is_none());
        assert!(F5::parse("1e5").is_none());
        assert!(F5::parse("").is_none());
    }

    #[test]
    fn mul_div_truncates_once() {
        // Calton 2007: surplus 682 of 1982 votes; one paper of value 1 transfers 0.34409...
        let s = F5::from_int(682);
        let t = F5::from_int(1982);
        let v = F5::from_int(1).mul_div_trunc(s, t);
        assert_eq!(v.to_string(), "0.34409");
        // truncation, not rounding: 2/3 -> 0.66666
        let v = F5::from_int(1).mul_div_trunc(F5::from_int(2), F5::from_int(3));
        assert_eq!(v.to_string(), "0.66666");
    }

    #[test]
    fn weights_convert_exactly_or_not_at_all() {
        let w = Weight::parse("123456.5").unwrap();
        assert_eq!(F5::from_weight(w).unwrap().to_string(), "123456.50000");
        let w = Weight::parse("0.000001").unwrap();
        assert!(F5::from_weight(w).is_none());
    }
}
