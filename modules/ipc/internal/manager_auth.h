// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// manager_auth.h: the HMAC-SHA256 challenge/response of conc::Manager.
//
// Python's multiprocessing authenticates a connection with an HMAC of a random
// challenge under the shared `authkey` (`connection.deliver_challenge` /
// `answer_challenge`), so the key itself never crosses the wire. The Manager
// does the same over gRPC (see manager.proto): the client proves it knows the
// key with HMAC(key, "client" + server_nonce), the server answers with
// HMAC(key, "server" + client_nonce), and later calls carry
// HMAC(key, "call" + server_nonce) as a bearer token in their metadata.
//
// The hashes are OpenSSL's (libcrypto, Debian's libssl-dev, which gRPC links
// anyway); manager_auth_test.cc checks them against the FIPS 180-4 and RFC 4231
// vectors, since authentication rests on them.

#ifndef MODULES_IPC_INTERNAL_MANAGER_AUTH_H_
#define MODULES_IPC_INTERNAL_MANAGER_AUTH_H_

#include <string>
#include <string_view>

namespace conc::internal {

// SHA-256 of `data`: 32 raw bytes.
std::string Sha256(std::string_view data);

// HMAC-SHA256 (RFC 2104) of `message` under `key`: 32 raw bytes.
std::string HmacSha256(std::string_view key, std::string_view message);

// Lower-case hexadecimal of `bytes`.
std::string ToHex(std::string_view bytes);

// Compares in time that depends only on the lengths (CRYPTO_memcmp), so that a network
// attacker cannot find a valid digest byte by byte from response times.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// `n` bytes from the kernel's CSPRNG (getrandom(2)).
std::string RandomBytes(size_t n);

}  // namespace conc::internal

#endif  // MODULES_IPC_INTERNAL_MANAGER_AUTH_H_
