// Hash routes keep the portal's pages apart from the API's paths, which share the server's root.
// A page for some roles (`meta.roles`) asks for a login first, and sends other roles home.
import { createRouter, createWebHashHistory } from "vue-router";
import LedgerPage from "./pages/LedgerPage.vue";
import LoginPage from "./pages/LoginPage.vue";
import MarketPage from "./pages/MarketPage.vue";
import NoticesPage from "./pages/NoticesPage.vue";
import PricesPage from "./pages/PricesPage.vue";
import RegulatorDealsPage from "./pages/RegulatorDealsPage.vue";
import SellerRightsPage from "./pages/SellerRightsPage.vue";
import TradesPage from "./pages/TradesPage.vue";
import { HOME_OF_ROLE, loadMe, session } from "./session.js";

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: "/", redirect: "/prices" },
    { path: "/prices", component: PricesPage },
    { path: "/trades", component: TradesPage },
    { path: "/notices", component: NoticesPage },
    { path: "/ledger", component: LedgerPage },
    { path: "/login", component: LoginPage },
    { path: "/market", component: MarketPage, meta: { roles: ["buyer", "seller"] } },
    { path: "/seller/rights", component: SellerRightsPage, meta: { roles: ["seller"] } },
    { path: "/regulator/deals", component: RegulatorDealsPage, meta: { roles: ["regulator"] } },
  ],
});

router.beforeEach(async (to) => {
  if (!session.checked) await loadMe();
  const roles = to.meta.roles;
  if (roles === undefined) return true;
  if (session.account === null) return { path: "/login", query: { next: to.fullPath } };
  return roles.includes(session.account.role) || (HOME_OF_ROLE[session.account.role] ?? "/prices");
});
