import { App as AntApp, Button, ConfigProvider, Layout, Menu, Space, Tag, Typography } from "antd";
import enUS from "antd/locale/en_US";
import zhCN from "antd/locale/zh_CN";
import { useEffect, useMemo, useState } from "react";
import { Api } from "./api";
import type { Session } from "./auth";
import { AppContext, translator } from "./context";
import type { Locale } from "./i18n";
import { AlertPageView } from "./pages/AlertPage";
import { CustomerPage } from "./pages/Customer";
import { Dashboard } from "./pages/Dashboard";
import { Queue } from "./pages/Queue";
import { SignIn } from "./pages/SignIn";
import { Thresholds } from "./pages/Thresholds";

const BASE = ""; // the API is served beside the console (local front door, CloudFront on AWS)

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
  const [hash, go] = useHash();
  const t = useMemo(() => translator(locale), [locale]);
  useEffect(() => {
    localStorage.setItem("riskwarn.locale", locale);
    document.documentElement.lang = locale;
  }, [locale]);
  const other: Locale = locale === "en" ? "zh-CN" : "en";
  const lang = (
    <Button size="small" onClick={() => setLocale(other)} aria-label="language" data-testid="lang">
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
    <ConfigProvider locale={locale === "zh-CN" ? zhCN : enUS} theme={{ token: { colorPrimary: "#1f4e8c" } }}>
      <AntApp>
        {!session ? (
          <SignIn base={BASE} t={t} lang={lang} onSignedIn={setSession} />
        ) : (
          <AppContext.Provider value={{ api: new Api(BASE, session.token), session, locale, t, go }}>
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
                  <Button size="small" onClick={() => setSession(null)}>
                    {t("nav.signOut")}
                  </Button>
                </Space>
              </Layout.Header>
              <Layout.Content style={{ padding: 24 }}>{content()}</Layout.Content>
            </Layout>
          </AppContext.Provider>
        )}
      </AntApp>
    </ConfigProvider>
  );
}
