import type { Metadata } from "next";
import { GeistSans } from "geist/font/sans";
import { GeistMono } from "geist/font/mono";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Cairn", template: "%s · Cairn" },
  description: "Learner progress from Instruqt webhooks",
  // public/favicon.ico (drawn from public/favicon.svg): the one icon path proxy.ts lets through
  // before sign-in, so the sign-in page has it too.
  icons: { icon: [{ url: "/favicon.ico", sizes: "16x16 32x32 48x48" }] },
  // A private dashboard: public/robots.txt disallows everything; this covers any other crawler path.
  robots: { index: false, follow: false },
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en" className={`${GeistSans.variable} ${GeistMono.variable}`}>
      <body className="min-h-screen bg-slate-50 font-sans text-slate-900 antialiased">{children}</body>
    </html>
  );
}
