//! Functions the built-in pack and custom policies may call that regorus lacks.
//! Each behaves as OPA's builtin of the same name, so policies stay portable.
use std::net::IpAddr;

use regorus::Value;

/// A CIDR as (address bits widened to 128, prefix length in that width, is IPv6).
fn parse_cidr(s: &str) -> Option<(u128, u32, bool)> {
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l.parse::<u32>().ok()?)),
        None => (s, None),
    };
    match addr.parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) => {
            let len = len.unwrap_or(32);
            (len <= 32).then_some((u128::from(u32::from(v4)) << 96, len, false))
        }
        IpAddr::V6(v6) => {
            let len = len.unwrap_or(128);
            (len <= 128).then_some((u128::from(v6), len, true))
        }
    }
}

fn mask(len: u32) -> u128 {
    if len == 0 {
        0
    } else {
        u128::MAX << (128 - len)
    }
}

/// OPA's `net.cidr_intersects`: true when the two networks share an address.
/// Networks of different families never intersect.
pub fn cidr_intersects(a: &str, b: &str) -> Result<bool, String> {
    let (na, la, va) = parse_cidr(a).ok_or_else(|| format!("invalid CIDR {a:?}"))?;
    let (nb, lb, vb) = parse_cidr(b).ok_or_else(|| format!("invalid CIDR {b:?}"))?;
    if va != vb {
        return Ok(false);
    }
    // IPv4 addresses sit in the top 32 bits, so prefix lengths compare directly.
    let m = mask(la.min(lb));
    Ok(na & m == nb & m)
}

/// The functions [`register`] adds, by their Rego names.
pub const NAMES: [&str; 1] = ["net.cidr_intersects"];

pub fn register(engine: &mut regorus::Engine) -> anyhow::Result<()> {
    engine.add_extension(
        "net.cidr_intersects".to_string(),
        2,
        Box::new(|args: Vec<Value>| {
            let (Some(a), Some(b)) = (args.first(), args.get(1)) else {
                anyhow::bail!("net.cidr_intersects takes two CIDR strings");
            };
            let a = a.as_string()?;
            let b = b.as_string()?;
            cidr_intersects(a.as_ref(), b.as_ref())
                .map(Value::from)
                .map_err(|e| anyhow::anyhow!("net.cidr_intersects: {e}"))
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intersections() {
        assert!(cidr_intersects("10.0.0.0/8", "10.1.2.0/24").unwrap());
        assert!(cidr_intersects("10.1.2.0/24", "10.0.0.0/8").unwrap());
        assert!(!cidr_intersects("10.0.0.0/8", "192.168.0.0/16").unwrap());
        assert!(cidr_intersects("0.0.0.0/0", "203.0.113.7/32").unwrap());
        assert!(cidr_intersects("2001:db8::/32", "2001:db8:1::/48").unwrap());
        assert!(!cidr_intersects("::/0", "10.0.0.0/8").unwrap());
        assert!(cidr_intersects("192.0.2.1", "192.0.2.0/30").unwrap());
        assert!(cidr_intersects("10.0.0.0/33", "10.0.0.0/8").is_err());
    }

    /// Reference: with IPv4 as plain u32s, two networks share an address exactly
    /// when one contains the other's first address.
    fn reference(a: (u32, u32), b: (u32, u32)) -> bool {
        let mask = |len: u32| if len == 0 { 0 } else { u32::MAX << (32 - len) };
        let (na, nb) = (a.0 & mask(a.1), b.0 & mask(b.1));
        (na & mask(b.1)) == nb || (nb & mask(a.1)) == na
    }

    proptest::proptest! {
        #[test]
        fn ipv4_matches_reference(a in proptest::prelude::any::<u32>(), la in 0u32..=32, b in proptest::prelude::any::<u32>(), lb in 0u32..=32) {
            let fmt = |n: u32, l: u32| format!("{}/{l}", std::net::Ipv4Addr::from(n));
            proptest::prop_assert_eq!(cidr_intersects(&fmt(a, la), &fmt(b, lb)).unwrap(), reference((a, la), (b, lb)));
        }

        #[test]
        fn symmetric_and_reflexive_v6(a in proptest::prelude::any::<u128>(), la in 0u32..=128, b in proptest::prelude::any::<u128>(), lb in 0u32..=128) {
            let fmt = |n: u128, l: u32| format!("{}/{l}", std::net::Ipv6Addr::from(n));
            let x = cidr_intersects(&fmt(a, la), &fmt(b, lb)).unwrap();
            proptest::prop_assert_eq!(x, cidr_intersects(&fmt(b, lb), &fmt(a, la)).unwrap());
            proptest::prop_assert!(cidr_intersects(&fmt(a, la), &fmt(a, la)).unwrap());
        }
    }
}
