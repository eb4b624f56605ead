//! Extras on the real haynes-ops snapshot (`../shared/fixtures/haynes-ops`): each test
//! prints a notice and passes without running when the snapshot is not there.
