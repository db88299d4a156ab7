"""The client's address behind reverse proxies: per-visitor limits on public pages, API tokens' allowed addresses.

``REMOTE_ADDR`` is the connecting address. Behind a reverse proxy that is the proxy, so every visitor
would share one limit. When the connecting address is in ``settings.TILLIT_TRUSTED_PROXIES`` (IPs or
CIDRs), ``X-Forwarded-For`` is read from the right: each trusted proxy appended the address it saw, so
the right-most hop that is not a trusted proxy is the client. Anything to the left of it was written by
the client and is ignored. From an untrusted connection the header is ignored altogether (anyone can
send it).
"""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"TILLIT_TRUSTED_PROXIES: {entry!r} is not an IP address or network (like 10.0.0.0/8)."
            ) from None
    return tuple(networks)


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(e for e in getattr(settings, "TILLIT_TRUSTED_PROXIES", ()) if e.strip()))


def parse_address(value: str) -> Address | None:
    """An IP from a header hop: ``1.2.3.4``, ``1.2.3.4:5678``, ``2001:db8::1`` or ``[2001:db8::1]:443``."""
    value = value.strip()
    if value.startswith("["):
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:  # IPv4 with a port; a bare IPv6 address has several colons
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # ::ffff:1.2.3.4 (a dual-stack socket) is the IPv4 client 1.2.3.4.
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def is_trusted(address: Address | None, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The visitor's address: ``REMOTE_ADDR``, or the right-most untrusted ``X-Forwarded-For`` hop behind a proxy."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = trusted_networks()
    nearest = parse_address(remote)
    if not networks or not is_trusted(nearest, networks):
        return str(nearest) if nearest else (remote or "unknown")
    # Several X-Forwarded-For headers arrive joined by commas, in order.
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            # A trusted proxy writes real addresses; garbage here means we cannot see further.
            break
        nearest = address
        if not is_trusted(address, networks):
            return str(address)
    # Only proxies (or nothing readable) in the chain: the last address we could trust is the best we know.
    return str(nearest)


def client_ip_or_none(request: HttpRequest) -> str | None:
    """``client_ip`` when it is an address, else None (a request made in-process, without ``REMOTE_ADDR``): what
    sign-in throttling stores in an IP column, which PostgreSQL checks."""
    address = parse_address(client_ip(request))
    return str(address) if address else None


def check_trusted_proxies(app_configs=None, **kwargs):
    """System check (``tillit check``, start-up): a typo in TILLIT_TRUSTED_PROXIES is found before a visitor is."""
    from django.core import checks

    try:
        trusted_networks()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="tillit.core.E001")]
    return []
