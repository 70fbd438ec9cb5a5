import { PresentPage } from '@/components/present/present-page';

export default async function Page({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return <PresentPage name={decodeURIComponent(name)} />;
}
