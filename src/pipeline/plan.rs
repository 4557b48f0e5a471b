//! Which outputs to write again after a change.
