// The lesson requests of a socket (lib/protocol.ts): list the lessons, open a lab's lesson, put
// the lab at a step in slow motion (the commands reach the lab's room as they run, like any
// apply), and run a step's checks. Progress is kept per lab in SQLite.
import { NslabError } from '@/lib/errors';
import { lessonView, type LessonSummary } from '@/lib/lessons';
import { labRoom, type RequestName } from '@/lib/protocol';
import type { LabsService } from '@/server/labs/types';
import { register, type Handler, type NslabServer, type NslabSocket } from '@/server/register';
import { lessonIds, loadLesson } from './load';
import { checkLessonStep, goToStep } from './run';

export function registerLessonHandlers(io: NslabServer, socket: NslabSocket, labs: LabsService): void {
  const on = <E extends RequestName>(event: E, handler: Handler<E>) => register(socket, event, handler);

  /** The lab's lesson (as its progress says), or not_found with the way to start one. */
  const current = (lab: string) => {
    const progress = labs.lessonProgress(lab);
    if (!progress) throw new NslabError('not_found', `lab "${lab}" follows no lesson; open one first (lesson:open with an id)`);
    return { progress, lesson: loadLesson(progress.lesson) };
  };

  on('lesson:list', () => ({
    lessons: lessonIds().flatMap((id): LessonSummary[] => {
      try {
        const l = loadLesson(id);
        return [{ id, title: l.title, steps: l.steps.length }];
      } catch {
        return [];
      }
    }),
  }));

  on('lesson:open', ({ lab, id }) => {
    const rec = labs.get(lab);
    let progress = labs.lessonProgress(lab);
    if (id !== undefined && progress?.lesson !== id) {
      loadLesson(id);
      progress = labs.setLessonProgress({ lab, lesson: id, step: 0, passed: [] });
    }
    if (!progress) return { lesson: null, progress: null };
    return { lesson: lessonView(loadLesson(progress.lesson), lab, rec.hostNetns), progress };
  });

  on('lesson:step', async ({ lab, step, delayMs }) => {
    const { progress, lesson } = current(lab);
    const result = await goToStep(labs, lab, lesson, step, {
      ...(delayMs ? { stepDelayMs: delayMs } : {}),
      onSaved: (rec) => io.to(labRoom(lab)).emit('lab:saved', rec),
    });
    const next = result.ok ? labs.setLessonProgress({ lab, lesson: lesson.id, step, passed: progress.passed.filter((k) => k <= step) }) : progress;
    return { result, progress: next };
  });

  on('lesson:check', async ({ lab, step }) => {
    const { progress, lesson } = current(lab);
    if (step > lesson.steps.length) throw new NslabError('invalid', `lesson "${lesson.id}" has steps 1-${lesson.steps.length}`);
    const rec = labs.get(lab);
    const results = await checkLessonStep(rec, lesson, step);
    const ok = results.results.every((r) => r.ok);
    const passed = ok ? [...progress.passed, step] : progress.passed.filter((k) => k !== step);
    return { step: results, progress: labs.setLessonProgress({ lab, lesson: lesson.id, step: progress.step, passed }) };
  });
}
