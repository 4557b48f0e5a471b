//! Serve stage, fairness between clients: how many connections one client address may hold.
//!
//! In: the peer address of each accepted connection. Out: a [`Held`] token while the address
//! is under its share, or nothing (the connection is to be closed at once). Clients that
//! never read or never finish a request cost a slot each for seconds; with a cap per address,
//! one address cannot take every slot, whatever it does.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, PoisonError};

/// The connections held per client address; an address is dropped from the map at zero.
#[derive(Debug)]
pub struct AddressSlots {
    held: Mutex<HashMap<IpAddr, usize>>,
    per_address: usize,
}

/// One connection counted against its address until dropped.
#[derive(Debug)]
pub struct Held {
    slots: Arc<AddressSlots>,
    address: IpAddr,
}

impl AddressSlots {
    pub fn new(per_address: usize) -> Arc<AddressSlots> {
        Arc::new(AddressSlots {
            held: Mutex::new(HashMap::new()),
            per_address,
        })
    }

    /// Counts a connection from `peer`, unless its address holds its share already.
    pub fn take(self: &Arc<Self>, peer: IpAddr) -> Option<Held> {
        let address = client_address(peer);
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let count = held.entry(address).or_insert(0);
        if *count >= self.per_address {
            return None;
        }
        *count += 1;
        Some(Held {
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
            *count -= 1;
            if *count == 0 {
                held.remove(&self.address);
            }
        }
    }
}

/// What counts as one client: an IPv4 address (also when written as IPv4-mapped IPv6), or an
/// IPv6 /64, the block a single host or network is given (RFC 4291 2.5.4, RFC 6177), which it
/// may spread its connections over at will.
fn client_address(peer: IpAddr) -> IpAddr {
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
        assert!(slots.take(one).is_none(), "a third from the same address");
        assert!(
            slots.take("::ffff:192.0.2.1".parse().unwrap()).is_none(),
            "the same address written as IPv6"
        );
        let _elsewhere = slots.take(other).expect("another address");
        drop(first);
        assert!(
            slots.take(one).is_some(),
            "a closed connection frees its place"
        );
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
