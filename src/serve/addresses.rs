//! Serve stage, fairness between clients: how many connections one client address may hold.
//!
//! In: the peer address of each accepted connection. Out: a [`Held`] token while the address
//! is under its share, or [`Refused`] (the connection is to be closed at once). Clients that
//! never read or never finish a request cost a slot each for seconds; with a cap per address,
//! one address cannot take every slot, whatever it does.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, PoisonError};

/// The connections held per client address; an address is dropped from the map at zero.
#[derive(Debug)]
pub struct AddressSlots {
    held: Mutex<HashMap<IpAddr, Count>>,
    per_address: usize,
}

#[derive(Debug, Default)]
struct Count {
    held: usize,
    /// Whether a connection was refused since the address last held fewer than its share.
    refused: bool,
}

/// A connection over its address's share.
#[derive(Debug, PartialEq, Eq)]
pub struct Refused {
    /// The client address it counted against.
    pub address: IpAddr,
    /// Whether it is the first refused since the address held fewer (worth a log line; the
    /// next ones are not).
    pub first: bool,
}

/// One connection counted against its address until dropped.
#[derive(Debug)]
pub struct Held {
    slots: Arc<AddressSlots>,
    address: IpAddr,
}

/// The client: its IPv4 address, or its IPv6 /64 (`2001:db8:1:2::/64`).
impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.address {
            IpAddr::V4(v4) => write!(f, "{v4}"),
            IpAddr::V6(v6) => write!(f, "{v6}/64"),
        }
    }
}

impl AddressSlots {
    pub fn new(per_address: usize) -> Arc<AddressSlots> {
        Arc::new(AddressSlots {
            held: Mutex::new(HashMap::new()),
            per_address,
        })
    }

    /// Counts a connection from `peer`, unless its address holds its share already.
    pub fn take(self: &Arc<Self>, peer: IpAddr) -> Result<Held, Refused> {
        let address = client_address(peer);
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let count = held.entry(address).or_default();
        if count.held >= self.per_address {
            let first = !count.refused;
            count.refused = true;
            return Err(Refused { address, first });
        }
        count.held += 1;
        count.refused = false;
        Ok(Held {
            slots: Arc::clone(self),
            address,
        })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut held = self
            .slots
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = held.get_mut(&self.address) {
            count.held -= 1;
            if count.held == 0 {
                held.remove(&self.address);
            }
        }
    }
}

/// What counts as one client: an IPv4 address (also when written as IPv4-mapped IPv6), or an
/// IPv6 /64, the block a single host or network is given (RFC 4291 2.5.4, RFC 6177), which it
/// may spread its connections over at will.
pub fn client_address(peer: IpAddr) -> IpAddr {
    match peer {
        IpAddr::V4(_) => peer,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let network = u128::from(v6) & !u128::from(u64::MAX);
                IpAddr::V6(Ipv6Addr::from(network))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_9_one_address_holds_at_most_its_share() {
        let slots = AddressSlots::new(2);
        let one: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        let first = slots.take(one).expect("first");
        let _second = slots.take(one).expect("second");
        let refused = |first| {
            Err(Refused {
                address: one,
                first,
            })
        };
        assert_eq!(slots.take(one).map(drop), refused(true), "a third");
        assert_eq!(
            slots.take("::ffff:192.0.2.1".parse().unwrap()).map(drop),
            refused(false),
            "the same address written as IPv6"
        );
        let v6 = AddressSlots::new(0).take("2001:db8::1".parse().unwrap());
        assert_eq!(v6.map(drop).unwrap_err().to_string(), "2001:db8::/64");
        assert_eq!(refused(true).unwrap_err().to_string(), "192.0.2.1");
        let _elsewhere = slots.take(other).expect("another address");
        drop(first);
        let again = slots
            .take(one)
            .expect("a closed connection frees its place");
        assert_eq!(slots.take(one).map(drop), refused(true), "a new episode");
        drop(again);
    }

    #[test]
    fn an_ipv6_client_is_its_64() {
        for (peer, client) in [
            ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::"),
            ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::"),
            ("2001:db8:1:3::1", "2001:db8:1:3::"),
            ("::ffff:198.51.100.7", "198.51.100.7"),
            ("198.51.100.7", "198.51.100.7"),
        ] {
            let peer: IpAddr = peer.parse().unwrap();
            assert_eq!(client_address(peer).to_string(), client, "{peer}");
        }
    }
}
