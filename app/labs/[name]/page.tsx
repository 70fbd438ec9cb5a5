import { LabPage } from '@/components/classes/broadcast-switch';

export default async function Page({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return <LabPage name={decodeURIComponent(name)} />;
}
