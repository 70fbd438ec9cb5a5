import { ClassesPage } from '@/components/classes/classes-page';

export default function Page() {
  return <ClassesPage />;
}
