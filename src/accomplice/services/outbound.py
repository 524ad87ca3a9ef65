"""Requests to URLs that users give (webhooks): http or https only, and only to public addresses.

Anyone allowed to register a webhook could otherwise make the server POST to what only the server can
reach (server-side request forgery): services on its loopback (127.0.0.1, ::1), the internal network
(10/8, 172.16/12, 192.168/16, fc00::/7), or a cloud's metadata service at 169.254.169.254, which hands out
the instance's credentials. So the host of a webhook URL is checked when it is registered, a literal
address as it is and a name by resolving it, and again at every delivery, at the connection itself: the
addresses checked are the addresses connected to, so a name that resolved to a public address when it was
registered and resolves to 127.0.0.1 later (DNS rebinding) is refused too.

`ACCOMPLICE_WEBHOOK_ALLOW_PRIVATE=true` lifts the address check for a receiver on the same host or network.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

import httpcore

from accomplice.errors import InputError
from accomplice.settings import get_settings

__all__ = ["PrivateAddressError", "allow_private", "check_url", "post"]

# Webhook URLs longer than this are not real endpoints.
MAX_URL_CHARS = 2000
ALLOW_SETTING = "ACCOMPLICE_WEBHOOK_ALLOW_PRIVATE"
# Addresses that carry an IPv4 address inside an IPv6 one (NAT64's well-known prefix): the IPv4 address
# is what a NAT64 gateway connects to, so it is the one checked.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class PrivateAddressError(InputError):
    """A webhook host that is, or resolves to, an address the server must not send to."""


def allow_private(explicit: bool | None = None) -> bool:
    """`explicit` if given, else the ACCOMPLICE_WEBHOOK_ALLOW_PRIVATE setting (off by default)."""
    return get_settings().webhook_allow_private if explicit is None else explicit


def _embedded(ip: IPAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def not_public(ip: IPAddress) -> str | None:
    """Why the server must not send to `ip` (its kind of address), or None for a public address.

    An IPv6 address carrying an IPv4 one (mapped, 6to4, Teredo, NAT64) is judged by both.
    """
    inner = _embedded(ip)
    if inner is not None and (why := not_public(inner)) is not None:
        return why
    kinds = (
        ("a loopback address", ip.is_loopback),
        ("a link-local address (where cloud metadata services answer)", ip.is_link_local),
        ("a multicast address", ip.is_multicast),
        ("the unspecified address", ip.is_unspecified),
        ("a private address", ip.is_private),
        ("a reserved address", ip.is_reserved),
        ("not a public address", not ip.is_global),
    )
    return next((kind for kind, found in kinds if found), None)


def _refusal(host: str, address: str, why: str) -> PrivateAddressError:
    shown = host if host == address else f"{host} ({address})"
    return PrivateAddressError(
        "url",
        f"host {shown} is {why}; webhooks go to public addresses only ({ALLOW_SETTING}=true allows others)",
    )


def _resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (a literal address, however written, is itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def public_addresses(host: str, port: int) -> list[str]:
    """The addresses of `host`, all of them public; PrivateAddressError if any is not.

    Every address must be public, not just one: the connection may go to any of them.
    """
    addresses = _resolve(host, port)
    for address in addresses:
        why = not_public(ipaddress.ip_address(address.split("%", 1)[0]))
        if why is not None:
            raise _refusal(host, address, why)
    return addresses


def check_url(url: str, *, allow_private_hosts: bool | None = None) -> str:
    """The URL stripped, if it is an http(s) URL whose host may be sent to; else InputError (HTTP 422).

    A host that does not resolve now is accepted (it may be set up after its webhook); every delivery
    checks the addresses again.
    """
    url = url.strip()
    if len(url) > MAX_URL_CHARS:
        raise InputError("url", f"is longer than {MAX_URL_CHARS} characters")
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InputError("url", "has a port that is not a number from 0 to 65535") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError("url", "must be an http:// or https:// URL with a host")
    if not allow_private(allow_private_hosts):
        # A host that does not resolve (yet) passes; it is checked again whenever it is sent to.
        with contextlib.suppress(OSError, UnicodeError):
            public_addresses(parts.hostname, port)
    return url


class _PublicOnly(httpcore.SyncBackend):
    """Opens connections only to public addresses, resolving the host itself and connecting to what it
    checked: nothing is resolved twice, so nothing can change in between (DNS rebinding)."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = public_addresses(host, port)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
        failure: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
        raise failure or httpcore.ConnectError(f"{host} has no address")


def post(
    url: str, body: bytes, headers: dict[str, str], *, timeout: float, allow_private_hosts: bool | None = None
) -> int:
    """POST `body` to `url` and return the status; redirects are not followed, no proxy is used.

    Unless private addresses are allowed, a host that is or resolves to one raises PrivateAddressError
    before anything is sent.
    """
    import httpx

    url = check_url(url, allow_private_hosts=True)
    backend = httpcore.SyncBackend() if allow_private(allow_private_hosts) else _PublicOnly()
    limits = {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
    with httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(), network_backend=backend) as pool:
        response = pool.request(
            "POST", url, headers=list(headers.items()), content=body, extensions={"timeout": limits}
        )
        return response.status
