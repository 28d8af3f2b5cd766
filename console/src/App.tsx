import { App as AntApp, Button, ConfigProvider, Layout, Menu, Space, Spin, Tag, Typography } from "antd";
import enUS from "antd/locale/en_US";
import zhCN from "antd/locale/zh_CN";
import { lazy, Suspense, useEffect, useMemo, useState } from "react";
import { Api } from "./api";
import type { Session } from "./auth";
import { claims, type ConsoleConfig, finish, logoutUrl, refresh, start, type Tokens } from "./pkce";
import { AppContext, translator } from "./context";
import type { Locale } from "./i18n";
import { THEME_TOKENS } from "./palette";
import { Queue } from "./pages/Queue";
import { SignIn } from "./pages/SignIn";

// The first screens (sign-in, the queue) come with the bundle; the others, and the chart
// library only they use, load when first opened.
const AlertPageView = lazy(() => import("./pages/AlertPage").then((m) => ({ default: m.AlertPageView })));
const CustomerPage = lazy(() => import("./pages/Customer").then((m) => ({ default: m.CustomerPage })));
const Dashboard = lazy(() => import("./pages/Dashboard").then((m) => ({ default: m.Dashboard })));
const Thresholds = lazy(() => import("./pages/Thresholds").then((m) => ({ default: m.Thresholds })));

// ./config.json (written on deploy: the API's address and Cognito's hosted UI); without it,
// the console runs beside the API on the local stack and signs in there
async function loadConfig(): Promise<ConsoleConfig> {
  try {
    const resp = await fetch("./config.json");
    if (resp.ok) return (await resp.json()) as ConsoleConfig;
  } catch {
    /* local */
  }
  return { api: "" };
}

function useHash(): [string, (h: string) => void] {
  const [hash, setHash] = useState(window.location.hash || "#/alerts");
  useEffect(() => {
    const on = () => setHash(window.location.hash || "#/alerts");
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return [hash, (h: string) => (window.location.hash = h)];
}

export function App() {
  const [locale, setLocale] = useState<Locale>(
    (localStorage.getItem("riskwarn.locale") as Locale | null) ?? "en",
  );
  const [session, setSession] = useState<Session | null>(null);
  const [config, setConfig] = useState<ConsoleConfig | null>(null);
  const [authError, setAuthError] = useState<string | null>(null);
  const [tokens, setTokens] = useState<Tokens | null>(null);
  const [hash, go] = useHash();

  const adoptTokens = (tk: Tokens) => {
    const who = claims(tk.id_token);
    setTokens((old) => ({ ...tk, refresh_token: tk.refresh_token ?? old?.refresh_token }));
    setSession({ user: who.user, groups: who.groups, token: tk.id_token });
  };
  useEffect(() => {
    loadConfig().then(async (cfg) => {
      setConfig(cfg);
      if (!cfg.auth) return;
      try {
        const tk = await finish(cfg.auth, window.location.search);
        if (tk) {
          window.history.replaceState(null, "", window.location.pathname + window.location.hash);
          adoptTokens(tk);
        }
      } catch (e) {
        setAuthError((e as Error).message);
      }
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  // tokens are refreshed a minute before they expire (kept in memory only)
  useEffect(() => {
    if (!tokens?.refresh_token || !config?.auth) return;
    const auth = config.auth;
    const rt = tokens.refresh_token;
    const wait = Math.max((claims(tokens.id_token).exp * 1000 - Date.now()) - 60_000, 5_000);
    const id = setTimeout(() => refresh(auth, rt).then(adoptTokens, (e: Error) => setAuthError(e.message)), wait);
    return () => clearTimeout(id);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [tokens, config]);
  const signOut = () => {
    setSession(null);
    setTokens(null);
    if (config?.auth) window.location.assign(logoutUrl(config.auth));
  };
  const t = useMemo(() => translator(locale), [locale]);
  useEffect(() => {
    localStorage.setItem("riskwarn.locale", locale);
    document.documentElement.lang = locale;
  }, [locale]);
  const other: Locale = locale === "en" ? "zh-CN" : "en";
  const lang = (
    <Button size="small" autoInsertSpace={false} onClick={() => setLocale(other)} aria-label={`${t("lang.switch")} (language / 语言)`}
      data-testid="lang">
      {t("lang.switch")}
    </Button>
  );
  const content = () => {
    if (!session) return null;
    const [, page, id] = hash.split("/");
    if (page === "alerts" && id) return <AlertPageView alertId={decodeURIComponent(id)} />;
    if (page === "customers" && id) return <CustomerPage customerId={decodeURIComponent(id)} />;
    if (page === "dashboard") return <Dashboard />;
    if (page === "thresholds") return <Thresholds />;
    return <Queue />;
  };
  return (
    <ConfigProvider locale={locale === "zh-CN" ? zhCN : enUS} theme={{ token: THEME_TOKENS }}>
      <AntApp>
        {!config ? null : !session ? (
          <SignIn base={config.api} t={t} lang={lang} onSignedIn={setSession}
            hosted={config.auth ? () => start(config.auth!) : undefined} error={authError} />
        ) : (
          <AppContext.Provider value={{ api: new Api(config.api, session.token), session, locale, t, go }}>
            <Layout style={{ minHeight: "100vh" }}>
              <Layout.Header style={{ display: "flex", alignItems: "center", gap: 16 }}>
                <Typography.Text strong style={{ color: "#fff", whiteSpace: "nowrap" }}>
                  {t("app.title")}
                </Typography.Text>
                <Menu
                  theme="dark"
                  mode="horizontal"
                  style={{ flex: 1, minWidth: 0 }}
                  selectedKeys={[hash.split("/")[1] || "alerts"]}
                  onClick={(e) => go(`#/${e.key}`)}
                  items={[
                    { key: "alerts", label: t("nav.queue") },
                    { key: "dashboard", label: t("nav.dashboard") },
                    { key: "thresholds", label: t("nav.thresholds") },
                  ]}
                />
                <Space>
                  <Tag color="blue" data-testid="who">
                    {session.user} · {session.groups.map((g) => t(`role.${g}`)).join(", ")}
                  </Tag>
                  {lang}
                  <Button size="small" onClick={signOut}>
                    {t("nav.signOut")}
                  </Button>
                </Space>
              </Layout.Header>
              <Layout.Content style={{ padding: 24 }}>
                <Suspense fallback={<Spin aria-label="loading" />}>{content()}</Suspense>
              </Layout.Content>
            </Layout>
          </AppContext.Provider>
        )}
      </AntApp>
    </ConfigProvider>
  );
}
