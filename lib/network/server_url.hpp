// The address of a resonate-server as RemoteConfig::url gives it: `http://` or `https://`, a
// host (a name, an IPv4 address or a bracketed IPv6 address), an optional port (80 and 443 by
// default) and an optional base path, under which every endpoint of the server lives:
//
//   http://127.0.0.1:8001            POST /            GET /poll/<group>/<pid>   GET /groups/<group>
//   https://gw.example/resonate      POST /resonate/   GET /resonate/poll/...    GET /resonate/groups/...
//
// (A reverse proxy that serves the server under a path prefix.) Trailing slashes of the path
// are dropped, and envelopes go to the path's root `<path>/`, so that every endpoint is below
// `<path>/`, the prefix a proxy's location names (nginx answers `POST /resonate` with a
// redirect when its location is `/resonate/`). User info, a query or a fragment are refused:
// nothing would send them.
#pragma once

#include <string>
#include <string_view>

namespace resonate::network {

struct ServerUrl {
  std::string text;        // the URL as given, for messages
  bool tls = false;        // https://
  std::string host;        // without brackets: "127.0.0.1", "::1", "resonate.example.com"
  std::string port;        // decimal, "80" or "443" when the URL names none
  std::string base_path;   // "" or "/resonate": no trailing slash
  std::string host_header; // the Host header: host, bracketed when IPv6, with a port that is not the default

  // The request target of `path` ("/poll/g/p") under the base path.
  std::string target(std::string_view path) const { return base_path + std::string(path); }
  // Where envelopes are posted: the root of the base path, "/" when there is none.
  std::string rpc_target() const { return base_path + "/"; }
};

// Throws resonate::Error naming the URL and what is wrong with it.
ServerUrl parse_server_url(std::string_view url);

}  // namespace resonate::network
