// Lesson files: lessons/<id>/lesson.yaml in nslab's folder (or NSLAB_LESSONS), read and checked
// (lib/lessons.ts); a lesson that cannot be read or is not valid is one sentence per problem.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NslabError } from '@/lib/errors';
import { LESSON_ID, parseLessonText, type Lesson } from '@/lib/lessons';
import { formatProblem } from '@/lib/validate';
import { fileError } from '@/server/errors';

/** The lessons folder: NSLAB_LESSONS, else `lessons/` in the nearest folder above this file that has one. */
export function lessonsDir(): string {
  if (process.env.NSLAB_LESSONS) return resolve(process.env.NSLAB_LESSONS);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'lessons')) && existsSync(join(dir, 'package.json'))) return join(dir, 'lessons');
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return resolve('lessons');
}

/** The ids of the lessons there are (folders with a lesson.yaml), sorted. */
export function lessonIds(dir = lessonsDir()): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && LESSON_ID.test(d.name) && existsSync(join(dir, d.name, 'lesson.yaml')))
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

/** Reads and checks lesson `id`; throws not_found (naming the lessons there are) or invalid (every problem with its field). */
export function loadLesson(id: string, dir = lessonsDir()): Lesson {
  if (!LESSON_ID.test(id)) throw new NslabError('invalid', `"${id}" is not a lesson id (a-z, 0-9 and '-')`);
  const file = join(dir, id, 'lesson.yaml');
  if (!existsSync(file)) {
    const ids = lessonIds(dir);
    throw new NslabError('not_found', `there is no lesson "${id}" (lessons: ${ids.length ? ids.join(', ') : `none in ${dir}`})`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw fileError(e, 'read', file);
  }
  const r = parseLessonText(text, file, id);
  if (!r.ok) throw new NslabError('invalid', `lesson ${file} is not valid:\n${r.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
  return r.lesson;
}
