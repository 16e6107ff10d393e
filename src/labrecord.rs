//! Lab server records to exchanges.
