//! Example programs of timebox: see `examples/`.
