import { EditorPage } from '@/components/editor/editor-page';

export default async function Page({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return <EditorPage name={decodeURIComponent(name)} />;
}
