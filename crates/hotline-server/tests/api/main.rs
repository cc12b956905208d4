//! Integration tests: the real server, driven over HTTP and WebSocket.
//! All linked into one test binary (faster to build, one TestApp helper).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod attachments;
mod auth;
mod callbacks;
mod canned;
mod claims;
mod conversations;
mod helpers;
mod kb;
mod queues;
mod rating;
mod read;
mod reading;
mod realtime;
mod reports;
mod search;
mod security;
mod settings;
mod team;
mod web;
