// The header's links: the public pages for everyone, then those of the logged-in role. A page's
// roles are also its route's `meta.roles`, which the router enforces before showing it.
export const NAV = [
  { to: "/prices", key: "nav.prices" },
  { to: "/trades", key: "nav.trades" },
  { to: "/notices", key: "nav.notices" },
  { to: "/ledger", key: "nav.ledger" },
  { to: "/regulator/deals", key: "nav.deals", roles: ["regulator"] },
  { to: "/seller/rights", key: "nav.my_rights", roles: ["seller"] },
  { to: "/market", key: "nav.market", roles: ["buyer", "seller"] },
];

export function linksFor(account) {
  return NAV.filter((link) => link.roles === undefined || (account !== null && link.roles.includes(account.role)));
}
