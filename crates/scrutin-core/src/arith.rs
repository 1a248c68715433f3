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
///
/// Operations that cannot be exact at a fixed precision say how they round (`_trunc`,
/// `_ceil`); for [`Rational`] they are all exact. Values are passed by reference where a
/// big-number implementation would otherwise be cloned.
pub trait Number:
    Clone
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
    /// Name of the arithmetic, as shown in reports (e.g. `fixed-5`, `rational`).
    fn arithmetic_name() -> String;
    fn zero() -> Self;
    fn from_int(n: i64) -> Self;
    /// `num ÷ den`, truncated at this arithmetic's precision. `den` must not be zero.
    fn from_ratio(num: i64, den: i64) -> Self;
    /// A ballot weight as a number, or `None` if this arithmetic cannot hold it exactly.
    fn from_weight(w: Weight) -> Option<Self>;
    /// `self × n` for a whole number of papers: exact.
    fn mul_int(&self, n: u64) -> Self;
    /// `self × num ÷ den`, truncated once at this arithmetic's precision.
    /// `den` must not be zero.
    fn mul_div_trunc(&self, num: &Self, den: &Self) -> Self;
    /// `self × o`, truncated at this arithmetic's precision.
    fn mul_trunc(&self, o: &Self) -> Self;
    /// `self × o`, rounded up at this arithmetic's precision.
    fn mul_ceil(&self, o: &Self) -> Self;
    /// `self ÷ o`, truncated. `o` must not be zero.
    fn div_trunc(&self, o: &Self) -> Self;
    /// `self ÷ o`, rounded up. `o` must not be zero.
    fn div_ceil(&self, o: &Self) -> Self;
    fn is_zero(&self) -> bool {
        *self == Self::zero()
    }
    /// The value as a decimal string with exactly `places` places, truncated (for reports
    /// that must show a fixed number of places whatever the arithmetic).
    fn to_decimal(&self, places: u32) -> String;
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
    fn from_ratio(num: i64, den: i64) -> Self {
        Fixed(((num as i128 * Self::SCALE as i128) / den as i128) as i64)
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
    fn mul_int(&self, n: u64) -> Self {
        Fixed(self.0 * n as i64)
    }
    fn mul_div_trunc(&self, num: &Self, den: &Self) -> Self {
        // (a/S)(b/S)/(c/S) = ab/(cS) ; in units: ab/c.
        let v = (self.0 as i128 * num.0 as i128) / den.0 as i128;
        Fixed(v as i64)
    }
    fn mul_trunc(&self, o: &Self) -> Self {
        Fixed(((self.0 as i128 * o.0 as i128) / Self::SCALE as i128) as i64)
    }
    fn mul_ceil(&self, o: &Self) -> Self {
        let p = self.0 as i128 * o.0 as i128;
        Fixed(div_ceil_i128(p, Self::SCALE as i128) as i64)
    }
    fn div_trunc(&self, o: &Self) -> Self {
        Fixed(((self.0 as i128 * Self::SCALE as i128) / o.0 as i128) as i64)
    }
    fn div_ceil(&self, o: &Self) -> Self {
        Fixed(div_ceil_i128(self.0 as i128 * Self::SCALE as i128, o.0 as i128) as i64)
    }
    fn to_decimal(&self, places: u32) -> String {
        if places >= P {
            let s = self.to_string();
            let extra = (places - P) as usize;
            if P == 0 && extra > 0 {
                format!("{s}.{}", "0".repeat(extra))
            } else {
                format!("{s}{}", "0".repeat(extra))
            }
        } else {
            let cut = 10i64.pow(P - places);
            let v = self.0 / cut; // truncation towards zero
            decimal_from_units(v as i128, places)
        }
    }
}

fn div_ceil_i128(a: i128, b: i128) -> i128 {
    let q = a / b;
    if (a % b != 0) && ((a > 0) == (b > 0)) {
        q + 1
    } else {
        q
    }
}

/// `units` × 10^-places as a decimal string.
fn decimal_from_units(units: i128, places: u32) -> String {
    let sign = if units < 0 { "-" } else { "" };
    let a = units.unsigned_abs();
    if places == 0 {
        return format!("{sign}{a}");
    }
    let scale = 10u128.pow(places);
    format!("{sign}{}.{:0w$}", a / scale, a % scale, w = places as usize)
}

/// Exact rational arithmetic on big integers: nothing is ever rounded.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Rational(pub num_rational::BigRational);

impl Rational {
    /// Places shown by `Display` (values are exact; only their printing is cut).
    pub const DISPLAY_PLACES: u32 = 12;
}

impl fmt::Display for Rational {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.to_decimal(Self::DISPLAY_PLACES))
    }
}
impl fmt::Debug for Rational {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
impl Add for Rational {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Rational(self.0 + o.0)
    }
}
impl Sub for Rational {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        Rational(self.0 - o.0)
    }
}
impl AddAssign for Rational {
    fn add_assign(&mut self, o: Self) {
        self.0 += o.0;
    }
}
impl SubAssign for Rational {
    fn sub_assign(&mut self, o: Self) {
        self.0 -= o.0;
    }
}
impl Sum for Rational {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Rational::zero(), |a, b| a + b)
    }
}

impl Number for Rational {
    fn arithmetic_name() -> String {
        "rational".to_string()
    }
    fn zero() -> Self {
        Rational(num_rational::BigRational::from_integer(0.into()))
    }
    fn from_int(n: i64) -> Self {
        Rational(num_rational::BigRational::from_integer(n.into()))
    }
    fn from_ratio(num: i64, den: i64) -> Self {
        Rational(num_rational::BigRational::new(num.into(), den.into()))
    }
    fn from_weight(w: Weight) -> Option<Self> {
        Some(Rational(num_rational::BigRational::new(
            w.micro().into(),
            Weight::SCALE.into(),
        )))
    }
    fn mul_int(&self, n: u64) -> Self {
        Rational(&self.0 * num_rational::BigRational::from_integer(n.into()))
    }
    fn mul_div_trunc(&self, num: &Self, den: &Self) -> Self {
        Rational(&self.0 * &num.0 / &den.0)
    }
    fn mul_trunc(&self, o: &Self) -> Self {
        Rational(&self.0 * &o.0)
    }
    fn mul_ceil(&self, o: &Self) -> Self {
        Rational(&self.0 * &o.0)
    }
    fn div_trunc(&self, o: &Self) -> Self {
        Rational(&self.0 / &o.0)
    }
    fn div_ceil(&self, o: &Self) -> Self {
        Rational(&self.0 / &o.0)
    }
    fn to_decimal(&self, places: u32) -> String {
        use num_integer::Integer;
        use num_traits::Signed;
        let scale = num_bigint::BigInt::from(10u32).pow(places);
        let scaled = self.0.numer() * &scale;
        // Truncate towards zero.
        let (q, _) = scaled.abs().div_rem(self.0.denom());
        let neg = self.0.is_negative() && !q.is_zero_big();
        let digits = q.to_string();
        let body = if places == 0 {
            digits
        } else {
            let p = places as usize;
            let padded = format!("{:0>w$}", digits, w = p + 1);
            let (int, frac) = padded.split_at(padded.len() - p);
            format!("{int}.{frac}")
        };
        if neg {
            format!("-{body}")
        } else {
            body
        }
    }
}

trait IsZeroBig {
    fn is_zero_big(&self) -> bool;
}
impl IsZeroBig for num_bigint::BigInt {
    fn is_zero_big(&self) -> bool {
        num_traits::Zero::is_zero(self)
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
        let v = F5::from_int(1).mul_div_trunc(&s, &t);
        assert_eq!(v.to_string(), "0.34409");
        // truncation, not rounding: 2/3 -> 0.66666
        let v = F5::from_int(1).mul_div_trunc(&F5::from_int(2), &F5::from_int(3));
        assert_eq!(v.to_string(), "0.66666");
    }

    #[test]
    fn rounding_directions() {
        let a = F5::parse("1.00001").unwrap();
        let b = F5::parse("0.5").unwrap();
        assert_eq!(a.mul_trunc(&b).to_string(), "0.50000");
        assert_eq!(a.mul_ceil(&b).to_string(), "0.50001");
        let three = F5::from_int(3);
        assert_eq!(F5::from_int(1).div_trunc(&three).to_string(), "0.33333");
        assert_eq!(F5::from_int(1).div_ceil(&three).to_string(), "0.33334");
        assert_eq!(F5::from_ratio(2, 3).to_string(), "0.66666");
        assert_eq!(F5::parse("2.71828").unwrap().to_decimal(2), "2.71");
        assert_eq!(F5::parse("-2.71828").unwrap().to_decimal(2), "-2.71");
        assert_eq!(F5::parse("2.5").unwrap().to_decimal(7), "2.5000000");
    }

    #[test]
    fn rationals_are_exact() {
        let third = Rational::from_ratio(1, 3);
        let sum = third.clone() + third.clone() + third.clone();
        assert_eq!(sum, Rational::from_int(1));
        assert_eq!(third.to_string(), "0.333333333333");
        assert_eq!(Rational::from_ratio(-7, 2).to_decimal(3), "-3.500");
        assert_eq!(Rational::from_ratio(-1, 3).to_decimal(2), "-0.33");
        assert_eq!(Rational::from_ratio(1, 300).to_decimal(2), "0.00");
        assert_eq!(Rational::from_int(42).to_decimal(0), "42");
        let w = Weight::parse("123456.5").unwrap();
        assert_eq!(Rational::from_weight(w).unwrap().to_decimal(1), "123456.5");
        assert_eq!(
            third.mul_div_trunc(&Rational::from_int(3), &Rational::from_int(2)),
            Rational::from_ratio(1, 2)
        );
    }

    #[test]
    fn weights_convert_exactly_or_not_at_all() {
        let w = Weight::parse("123456.5").unwrap();
        assert_eq!(F5::from_weight(w).unwrap().to_string(), "123456.50000");
        let w = Weight::parse("0.000001").unwrap();
        assert!(F5::from_weight(w).is_none());
    }
}
