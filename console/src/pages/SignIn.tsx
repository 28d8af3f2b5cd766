import { Alert, Button, Card, Flex, List, Space, Tag, Typography } from "antd";
import { type ReactNode, useEffect, useState } from "react";
import { localSignIn, localStaff, type Session, type StaffMember } from "../auth";
import type { Key } from "../i18n";

export function SignIn(props: {
  base: string;
  t: (key: Key, vars?: Record<string, string | number>) => string;
  lang: ReactNode;
  onSignedIn: (s: Session) => void;
  hosted?: () => void; // on AWS: Cognito's hosted UI
  error?: string | null;
}) {
  const { base, t, lang, onSignedIn, hosted } = props;
  const [staff, setStaff] = useState<StaffMember[]>([]);
  const [error, setError] = useState<string | null>(props.error ?? null);
  useEffect(() => {
    if (!hosted) localStaff(base).then(setStaff, (e: Error) => setError(e.message));
  }, [base, hosted]);
  const signIn = (user: string) =>
    localSignIn(base, user).then(onSignedIn, (e: Error) => setError(e.message));
  return (
    <Flex justify="center" align="center" style={{ minHeight: "100vh", background: "#f0f2f5" }}>
      <Card title={t("signin.title")} extra={lang} style={{ width: 440 }}>
        {hosted && (
          <Button type="primary" block onClick={hosted} data-testid="signin-hosted" style={{ marginBottom: 12 }}>
            {t("signin.hosted")}
          </Button>
        )}
        {!hosted && <Typography.Paragraph type="secondary">{t("signin.local")}</Typography.Paragraph>}
        {error && <Alert type="error" title={t("signin.failed", { message: error })} style={{ marginBottom: 12 }} />}
        <List
          dataSource={staff}
          renderItem={(m) => (
            <List.Item>
              <Space>
                <Typography.Text strong>{m.user}</Typography.Text>
                {m.groups.map((g) => (
                  <Tag key={g}>{t(`role.${g}`)}</Tag>
                ))}
              </Space>
              <Button type="primary" onClick={() => signIn(m.user)} data-testid={`signin-${m.user}`}>
                {t("signin.as", { user: m.user })}
              </Button>
            </List.Item>
          )}
        />
      </Card>
    </Flex>
  );
}
