import { AdoptPage } from '@/components/adopt/adopt-page';

export default function Page() {
  return <AdoptPage />;
}
