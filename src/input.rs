//! Reading exchanges from text: the project's exchange JSON (one object or
//! an array) or a HAR 1.2 file, with errors that say what is wrong and where.
