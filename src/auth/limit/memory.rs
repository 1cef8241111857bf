//! Fixed-window counters in memory, bounded: at most `cap` keys, and a bounded amount of
//! work per hit.
//!
//! Windows all last as long, so they end in the order they started: a queue of
//! (key, start) in that order finds the ended ones at its front without scanning the map.
//! When the map is full of live windows, the oldest is dropped (its count is lost; the
//! per-address limit still holds for whoever fills the map).

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::Key;

/// Ended windows removed per hit at most: the time of one hit stays bounded.
const EXPIRE_PER_HIT: usize = 64;

struct Entry {
    started: Instant,
    hits: u32,
}

#[derive(Default)]
struct Inner {
    map: HashMap<Key, Entry>,
    /// Every window's key and start, oldest first; entries whose key was cleared or
    /// restarted since are stale and skipped.
    queue: VecDeque<(Key, Instant)>,
}

impl Inner {
    /// Pops the front of the queue, removing its window if it is still the current one.
    fn pop_front(&mut self) {
        if let Some((key, started)) = self.queue.pop_front()
            && self.map.get(&key).is_some_and(|e| e.started == started)
        {
            self.map.remove(&key);
        }
    }
}

/// The counters of one rule.
pub(super) struct Windows {
    window: Duration,
    cap: usize,
    inner: Mutex<Inner>,
}

impl Windows {
    pub(super) fn new(window: Duration, cap: usize) -> Self {
        Self {
            window,
            cap: cap.max(1),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Counts one hit on `key`: the hits of its window so far, this one included, and the
    /// time left in the window.
    pub(super) fn hit(&self, key: Key, now: Instant) -> (u32, Duration) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        for _ in 0..EXPIRE_PER_HIT {
            match inner.queue.front() {
                Some(&(_, started)) if now.duration_since(started) >= self.window => {
                    inner.pop_front();
                }
                _ => break,
            }
        }
        if let Some(e) = inner.map.get_mut(&key) {
            let elapsed = now.duration_since(e.started);
            if elapsed < self.window {
                e.hits = e.hits.saturating_add(1);
                return (e.hits, self.window - elapsed);
            }
        }
        // A new window. Make room without ever scanning: drop the oldest, and stale queue
        // entries beyond twice the cap.
        while (inner.map.len() >= self.cap && !inner.map.contains_key(&key))
            || inner.queue.len() >= 2 * self.cap
        {
            if inner.queue.is_empty() {
                break;
            }
            inner.pop_front();
        }
        inner.map.insert(
            key,
            Entry {
                started: now,
                hits: 1,
            },
        );
        inner.queue.push_back((key, now));
        (1, self.window)
    }

    /// Forgets `key`.
    pub(super) fn clear(&self, key: &Key) {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .map
            .remove(key);
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> (usize, usize) {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        (inner.map.len(), inner.queue.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u32) -> Key {
        let mut k = [0u8; 16];
        k[..4].copy_from_slice(&n.to_be_bytes());
        k
    }

    #[test]
    fn hits_count_within_a_window_and_start_again_after_it() {
        let w = Windows::new(Duration::from_secs(60), 100);
        let t0 = Instant::now();
        assert_eq!(w.hit(key(1), t0).0, 1);
        let (hits, left) = w.hit(key(1), t0 + Duration::from_secs(10));
        assert_eq!((hits, left), (2, Duration::from_secs(50)));
        assert_eq!(w.hit(key(2), t0 + Duration::from_secs(10)).0, 1);
        assert_eq!(w.hit(key(1), t0 + Duration::from_secs(60)).0, 1);
        w.clear(&key(1));
        assert_eq!(w.hit(key(1), t0 + Duration::from_secs(61)).0, 1);
    }

    #[test]
    fn the_map_and_queue_stay_within_the_cap_under_distinct_keys() {
        let w = Windows::new(Duration::from_secs(900), 1000);
        let t0 = Instant::now();
        for n in 0..100_000 {
            w.hit(key(n), t0);
            if n % 7 == 0 {
                w.clear(&key(n));
            }
        }
        let (map, queue) = w.len();
        assert!(map <= 1000, "{map} keys kept");
        assert!(queue <= 2000, "{queue} queue entries kept");
        // The newest keys are the ones kept.
        assert_eq!(w.hit(key(99_999), t0).0, 2);
        assert_eq!(w.hit(key(0), t0).0, 1);
    }

    #[test]
    fn ended_windows_are_removed_a_few_per_hit() {
        let w = Windows::new(Duration::from_secs(60), 10_000);
        let t0 = Instant::now();
        for n in 0..1000 {
            w.hit(key(n), t0);
        }
        let later = t0 + Duration::from_secs(61);
        for n in 0..10 {
            w.hit(key(1_000_000 + n), later);
        }
        let (map, _) = w.len();
        assert_eq!(map, 1000 - 10 * EXPIRE_PER_HIT + 10);
    }
}
