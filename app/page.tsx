import { LabsPage } from '@/components/labs/labs-page';

export default function Page() {
  return <LabsPage />;
}
