// File: bridge/jwt_secret_token_source.h
//
// JwtSecretTokenSource: edge3's default mode. Every call gets a token minted with the shared
// [api_auth] jwt_secret (JwtSigner), valid for jwt_leeway seconds and bound to the call's rest
// path by the `method` claim, so nothing is cached. Never fails.
#ifndef EDGECTL_BRIDGE_JWT_SECRET_TOKEN_SOURCE_H_
#define EDGECTL_BRIDGE_JWT_SECRET_TOKEN_SOURCE_H_

#include <string>

#include "bridge/bearer_token_source.h"
#include "bridge/jwt_signer.h"

namespace edgectl::bridge {

class JwtSecretTokenSource : public BearerTokenSource {
 public:
  JwtSecretTokenSource(JwtSignerOptions options, JwtSigner::Clock clock)
      : signer_(std::move(options), std::move(clock)) {}

  absl::StatusOr<std::string> Token(const std::string& method) override {
    return signer_.Mint(method);
  }

 private:
  JwtSigner signer_;
};

}  // namespace edgectl::bridge

#endif  // EDGECTL_BRIDGE_JWT_SECRET_TOKEN_SOURCE_H_
