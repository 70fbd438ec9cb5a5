import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import '@xyflow/react/dist/style.css';
import './globals.css';
import { SocketProvider } from '@/components/socket';

export const metadata: Metadata = {
  title: 'nslab',
  description: 'Draw Linux network namespace labs; the real kernel builds them.',
};

// Reads the large-text choice before the first paint, so a projector never sees small text flash.
const LARGE_TEXT_BOOT = `try{if(localStorage.getItem('nslab:large-text')==='1')document.documentElement.dataset.large='1'}catch(e){}`;

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: LARGE_TEXT_BOOT }} />
      </head>
      <body>
        <SocketProvider>{children}</SocketProvider>
      </body>
    </html>
  );
}
