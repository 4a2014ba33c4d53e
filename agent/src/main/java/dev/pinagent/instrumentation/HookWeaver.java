package dev.pinagent.instrumentation;

import static net.bytebuddy.jar.asm.Opcodes.AASTORE;
import static net.bytebuddy.jar.asm.Opcodes.ACC_ABSTRACT;
import static net.bytebuddy.jar.asm.Opcodes.ACC_NATIVE;
import static net.bytebuddy.jar.asm.Opcodes.ACC_STATIC;
import static net.bytebuddy.jar.asm.Opcodes.ACONST_NULL;
import static net.bytebuddy.jar.asm.Opcodes.ALOAD;
import static net.bytebuddy.jar.asm.Opcodes.ANEWARRAY;
import static net.bytebuddy.jar.asm.Opcodes.ARETURN;
import static net.bytebuddy.jar.asm.Opcodes.ASM9;
import static net.bytebuddy.jar.asm.Opcodes.ASTORE;
import static net.bytebuddy.jar.asm.Opcodes.ATHROW;
import static net.bytebuddy.jar.asm.Opcodes.CHECKCAST;
import static net.bytebuddy.jar.asm.Opcodes.DOUBLE;
import static net.bytebuddy.jar.asm.Opcodes.DUP;
import static net.bytebuddy.jar.asm.Opcodes.FLOAT;
import static net.bytebuddy.jar.asm.Opcodes.F_NEW;
import static net.bytebuddy.jar.asm.Opcodes.GETFIELD;
import static net.bytebuddy.jar.asm.Opcodes.GETSTATIC;
import static net.bytebuddy.jar.asm.Opcodes.GOTO;
import static net.bytebuddy.jar.asm.Opcodes.ICONST_0;
import static net.bytebuddy.jar.asm.Opcodes.ICONST_1;
import static net.bytebuddy.jar.asm.Opcodes.ICONST_2;
import static net.bytebuddy.jar.asm.Opcodes.IFEQ;
import static net.bytebuddy.jar.asm.Opcodes.INSTANCEOF;
import static net.bytebuddy.jar.asm.Opcodes.INTEGER;
import static net.bytebuddy.jar.asm.Opcodes.INVOKESTATIC;
import static net.bytebuddy.jar.asm.Opcodes.INVOKEVIRTUAL;
import static net.bytebuddy.jar.asm.Opcodes.IRETURN;
import static net.bytebuddy.jar.asm.Opcodes.LONG;
import static net.bytebuddy.jar.asm.Opcodes.PUTFIELD;
import static net.bytebuddy.jar.asm.Opcodes.RETURN;
import static net.bytebuddy.jar.asm.Opcodes.SWAP;
import static net.bytebuddy.jar.asm.Opcodes.TOP;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.Handle;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Type;

/**
 * Writes a {@link MethodHook} into a class file with the ASM that Byte Buddy bundles.
 *
 * <p>Why not Byte Buddy's {@code Advice}: it describes the target and the advice through its type pool and
 * loads some 500 classes the first time a TLS class is loaded, which cost a service about 200 ms of start-up
 * for three small hooks. The woven code here is what {@code Advice} with {@code suppress = Throwable.class}
 * produces for them, in a few dozen instructions.
 *
 * <p>Stack map frames are written by hand rather than computed ({@code COMPUTE_FRAMES} would load classes
 * while a JDK class is being defined). That is sound because the woven code only ever meets the method in two
 * states whose frames are known without analysis: its entry (the declared arguments) and a shared exit that
 * every return now jumps to (holding {@code this} and the value returned). Our exception handler is declared
 * before the method's own, so no handler of the JDK's can catch what the hook throws, and it ends by printing
 * one line: nothing thrown by the hook reaches the host.
 */
final class HookWeaver {
  private static final String THROWABLE = "java/lang/Throwable";
  private static final String OBJECT = "java/lang/Object";
  private static final String INVOCATION_TARGET = "java/lang/reflect/InvocationTargetException";

  private HookWeaver() {}

  /**
   * Returns {@code classFile} with {@code hook} woven in.
   *
   * @throws IllegalStateException if the class has no such method, or it is static, abstract or native: the
   *     JDK changed under the hook, which must then fail loudly rather than leave TLS silently unpinned
   */
  static byte[] weave(MethodHook hook, byte[] classFile) {
    ClassReader reader = new ClassReader(classFile);
    // COMPUTE_MAXS recounts the stack and locals from the instructions alone, loading nothing.
    ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
    HookedClass hooked = new HookedClass(writer, hook);
    // Expanded frames: ASM writes the hand-made F_NEW frames only into methods whose frames are all expanded.
    reader.accept(hooked, ClassReader.EXPAND_FRAMES);
    if (!hooked.found) {
      throw new IllegalStateException("cannot hook " + hook.methodSignature()
          + ": the class has no such method (a JDK this agent does not know)");
    }
    return writer.toByteArray();
  }

  private static final class HookedClass extends ClassVisitor {
    private final MethodHook hook;
    private String owner;
    boolean found;

    HookedClass(ClassVisitor next, MethodHook hook) {
      super(ASM9, next);
      this.hook = hook;
    }

    @Override
    public void visit(int version, int access, String name, String signature, String superName,
        String[] interfaces) {
      owner = name;
      super.visit(version, access, name, signature, superName, interfaces);
    }

    @Override
    public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
        String[] exceptions) {
      MethodVisitor next = super.visitMethod(access, name, descriptor, signature, exceptions);
      if (!name.equals(hook.methodName) || !descriptor.equals(hook.methodDescriptor)) {
        return next;
      }
      if ((access & (ACC_STATIC | ACC_ABSTRACT | ACC_NATIVE)) != 0) {
        throw new IllegalStateException("cannot hook " + hook.methodSignature()
            + ": it is static, abstract or native here");
      }
      found = true;
      return hook.point == MethodHook.Point.ENTRY
          ? new EntryHook(next, hook, owner)
          : new ExitHook(next, hook, owner);
    }
  }

  /** What both kinds of hook emit: the bridge call that replaces the value, and the failure report. */
  private abstract static class HookedMethod extends MethodVisitor {
    final MethodHook hook;
    final String owner;
    final Type[] arguments;
    final Type returnType;

    HookedMethod(MethodVisitor next, MethodHook hook, String owner) {
      super(ASM9, next);
      this.hook = hook;
      this.owner = owner;
      this.arguments = Type.getArgumentTypes(hook.methodDescriptor);
      this.returnType = Type.getReturnType(hook.methodDescriptor);
    }

    /** The local slot of argument {@code index} ({@code this} is slot 0). */
    int slotOf(int index) {
      int slot = 1;
      for (int i = 0; i < index; i++) {
        slot += arguments[i].getSize();
      }
      return slot;
    }

    /**
     * {@code value = (ValueType) bridge(owner, value)}, with the value in {@code slot} unless it is a field; the
     * owner is {@code this} or the argument the hook names.
     */
    void emitReplacement(int slot) {
      if (hook.valueKind == MethodHook.ValueKind.FIELD) {
        super.visitVarInsn(ALOAD, 0);
      }
      super.visitLdcInsn(MethodHook.BRIDGE_CLASS);
      super.visitInsn(ICONST_1);
      super.visitMethodInsn(INVOKESTATIC, "java/lang/ClassLoader", "getSystemClassLoader",
          "()Ljava/lang/ClassLoader;", false);
      super.visitMethodInsn(INVOKESTATIC, "java/lang/Class", "forName",
          "(Ljava/lang/String;ZLjava/lang/ClassLoader;)Ljava/lang/Class;", false);
      super.visitLdcInsn(hook.bridgeMethod);
      super.visitInsn(ICONST_2);
      super.visitTypeInsn(ANEWARRAY, "java/lang/Class");
      for (int i = 0; i < 2; i++) {
        super.visitInsn(DUP);
        super.visitInsn(ICONST_0 + i);
        super.visitLdcInsn(Type.getObjectType(OBJECT));
        super.visitInsn(AASTORE);
      }
      super.visitMethodInsn(INVOKEVIRTUAL, "java/lang/Class", "getMethod",
          "(Ljava/lang/String;[Ljava/lang/Class;)Ljava/lang/reflect/Method;", false);
      super.visitInsn(ACONST_NULL);
      super.visitInsn(ICONST_2);
      super.visitTypeInsn(ANEWARRAY, OBJECT);
      super.visitInsn(DUP);
      super.visitInsn(ICONST_0);
      super.visitVarInsn(ALOAD, hook.ownerArgumentIndex < 0 ? 0 : slotOf(hook.ownerArgumentIndex));
      super.visitInsn(AASTORE);
      super.visitInsn(DUP);
      super.visitInsn(ICONST_1);
      if (hook.valueKind == MethodHook.ValueKind.FIELD) {
        super.visitVarInsn(ALOAD, 0);
        super.visitFieldInsn(GETFIELD, owner, hook.fieldName, hook.valueType.getDescriptor());
      } else {
        super.visitVarInsn(ALOAD, slot);
      }
      super.visitInsn(AASTORE);
      super.visitMethodInsn(INVOKEVIRTUAL, "java/lang/reflect/Method", "invoke",
          "(Ljava/lang/Object;[Ljava/lang/Object;)Ljava/lang/Object;", false);
      super.visitTypeInsn(CHECKCAST, hook.valueType.getInternalName());
      if (hook.valueKind == MethodHook.ValueKind.FIELD) {
        super.visitFieldInsn(PUTFIELD, owner, hook.fieldName, hook.valueType.getDescriptor());
      } else {
        super.visitVarInsn(ASTORE, slot);
      }
    }

    /**
     * With the throwable on the stack, for a hook that may refuse: rethrows what the bridge threw when it is the
     * refusal, and leaves anything else on the stack for the failure report at {@code report}. The bridge is
     * called reflectively, so its exception arrives wrapped in an {@code InvocationTargetException}.
     */
    void emitRefusalRethrow(Label report) {
      super.visitInsn(DUP);
      super.visitTypeInsn(INSTANCEOF, INVOCATION_TARGET);
      super.visitJumpInsn(IFEQ, report);
      super.visitTypeInsn(CHECKCAST, INVOCATION_TARGET);
      super.visitMethodInsn(INVOKEVIRTUAL, INVOCATION_TARGET, "getCause", "()Ljava/lang/Throwable;", false);
      super.visitInsn(DUP);
      super.visitTypeInsn(INSTANCEOF, hook.refusal);
      super.visitJumpInsn(IFEQ, report);
      super.visitInsn(ATHROW);
    }

    /** With the throwable on the stack: {@code System.err.println(failureMessage + throwable)}. */
    void emitFailureReport() {
      super.visitMethodInsn(INVOKESTATIC, "java/lang/String", "valueOf", "(Ljava/lang/Object;)Ljava/lang/String;",
          false);
      super.visitLdcInsn(hook.failureMessage);
      super.visitInsn(SWAP);
      super.visitMethodInsn(INVOKEVIRTUAL, "java/lang/String", "concat", "(Ljava/lang/String;)Ljava/lang/String;",
          false);
      super.visitFieldInsn(GETSTATIC, "java/lang/System", "err", "Ljava/io/PrintStream;");
      super.visitInsn(SWAP);
      super.visitMethodInsn(INVOKEVIRTUAL, "java/io/PrintStream", "println", "(Ljava/lang/String;)V", false);
    }

    /** The frame's view of a value of {@code type}, as {@link MethodVisitor#visitFrame} takes it. */
    static Object frameType(Type type) {
      switch (type.getSort()) {
        case Type.BOOLEAN:
        case Type.BYTE:
        case Type.CHAR:
        case Type.SHORT:
        case Type.INT:
          return INTEGER;
        case Type.FLOAT:
          return FLOAT;
        case Type.LONG:
          return LONG;
        case Type.DOUBLE:
          return DOUBLE;
        default:
          return type.getInternalName();
      }
    }
  }

  /** Replaces an argument before the method's first instruction. */
  private static final class EntryHook extends HookedMethod {
    private Object[] entryLocals;
    /** Whether the method's first instruction still needs the frame our code now jumps to. */
    private boolean frameOwed;

    EntryHook(MethodVisitor next, MethodHook hook, String owner) {
      super(next, hook, owner);
    }

    @Override
    public void visitCode() {
      super.visitCode();
      entryLocals = new Object[arguments.length + 1];
      entryLocals[0] = owner;
      int slot = 1;
      int valueSlot = -1;
      for (int i = 0; i < arguments.length; i++) {
        entryLocals[i + 1] = frameType(arguments[i]);
        if (i == hook.argumentIndex) {
          valueSlot = slot;
        }
        slot += arguments[i].getSize();
      }
      Label start = new Label();
      Label end = new Label();
      Label handler = new Label();
      Label original = new Label();
      super.visitTryCatchBlock(start, end, handler, THROWABLE);
      super.visitLabel(start);
      emitReplacement(valueSlot);
      super.visitLabel(end);
      super.visitJumpInsn(GOTO, original);
      super.visitLabel(handler);
      super.visitFrame(F_NEW, entryLocals.length, entryLocals, 1, new Object[] {THROWABLE});
      if (hook.refusal != null) {
        Label report = new Label();
        emitRefusalRethrow(report);
        super.visitLabel(report);
        super.visitFrame(F_NEW, entryLocals.length, entryLocals, 1, new Object[] {THROWABLE});
      }
      emitFailureReport();
      super.visitLabel(original);
      frameOwed = true;
    }

    /**
     * The method's own first instruction is now a jump target and needs a frame. When it already was one (a
     * loop back to the start), the method brings its own frame, which fits the entry state and takes the
     * place of ours: two frames at one offset would corrupt the table.
     */
    @Override
    public void visitFrame(int type, int numLocal, Object[] local, int numStack, Object[] stack) {
      frameOwed = false;
      super.visitFrame(type, numLocal, local, numStack, stack);
    }

    private void payFrame() {
      if (frameOwed) {
        frameOwed = false;
        super.visitFrame(F_NEW, entryLocals.length, entryLocals, 0, new Object[0]);
      }
    }

    @Override
    public void visitInsn(int opcode) {
      payFrame();
      super.visitInsn(opcode);
    }

    @Override
    public void visitIntInsn(int opcode, int operand) {
      payFrame();
      super.visitIntInsn(opcode, operand);
    }

    @Override
    public void visitVarInsn(int opcode, int varIndex) {
      payFrame();
      super.visitVarInsn(opcode, varIndex);
    }

    @Override
    public void visitTypeInsn(int opcode, String type) {
      payFrame();
      super.visitTypeInsn(opcode, type);
    }

    @Override
    public void visitFieldInsn(int opcode, String fieldOwner, String name, String descriptor) {
      payFrame();
      super.visitFieldInsn(opcode, fieldOwner, name, descriptor);
    }

    @Override
    public void visitMethodInsn(int opcode, String methodOwner, String name, String descriptor,
        boolean isInterface) {
      payFrame();
      super.visitMethodInsn(opcode, methodOwner, name, descriptor, isInterface);
    }

    @Override
    public void visitInvokeDynamicInsn(String name, String descriptor, Handle bootstrap, Object... arguments) {
      payFrame();
      super.visitInvokeDynamicInsn(name, descriptor, bootstrap, arguments);
    }

    @Override
    public void visitJumpInsn(int opcode, Label label) {
      payFrame();
      super.visitJumpInsn(opcode, label);
    }

    @Override
    public void visitLdcInsn(Object value) {
      payFrame();
      super.visitLdcInsn(value);
    }

    @Override
    public void visitIincInsn(int varIndex, int increment) {
      payFrame();
      super.visitIincInsn(varIndex, increment);
    }

    @Override
    public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
      payFrame();
      super.visitTableSwitchInsn(min, max, dflt, labels);
    }

    @Override
    public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
      payFrame();
      super.visitLookupSwitchInsn(dflt, keys, labels);
    }

    @Override
    public void visitMultiANewArrayInsn(String descriptor, int numDimensions) {
      payFrame();
      super.visitMultiANewArrayInsn(descriptor, numDimensions);
    }
  }

  /**
   * Makes every return jump to one exit at the end of the method, which replaces the value and then returns.
   * The exit lies after all of the method's own code, so none of its exception handlers covers the hook.
   */
  private static final class ExitHook extends HookedMethod {
    private final Label exit = new Label();
    private final Label start = new Label();
    private final Label end = new Label();
    private final Label handler = new Label();
    private final int returnOpcode;

    ExitHook(MethodVisitor next, MethodHook hook, String owner) {
      super(next, hook, owner);
      this.returnOpcode = returnType.getOpcode(IRETURN);
      if (returnOpcode != RETURN && returnOpcode != ARETURN) {
        throw new IllegalStateException("exit hooks support void and reference returns, not " + returnType);
      }
    }

    @Override
    public void visitCode() {
      super.visitCode();
      super.visitTryCatchBlock(start, end, handler, THROWABLE);
    }

    @Override
    public void visitInsn(int opcode) {
      if (opcode >= IRETURN && opcode <= RETURN) {
        // javac leaves nothing but the returned value on the stack at a return, which the exit's frame
        // assumes; the forked-JVM tests run the JDK's verifier over the woven classes to hold us to it.
        super.visitJumpInsn(GOTO, exit);
      } else {
        super.visitInsn(opcode);
      }
    }

    @Override
    public void visitMaxs(int maxStack, int maxLocals) {
      boolean returnsValue = returnOpcode == ARETURN;
      int resultSlot = maxLocals;
      Object[] exitLocals = {owner};
      Object[] exitStack = returnsValue ? new Object[] {frameType(returnType)} : new Object[0];
      super.visitLabel(exit);
      super.visitFrame(F_NEW, exitLocals.length, exitLocals, exitStack.length, exitStack);
      if (returnsValue) {
        super.visitVarInsn(ASTORE, resultSlot);
      }
      super.visitLabel(start);
      emitReplacement(resultSlot);
      super.visitLabel(end);
      emitReturn(resultSlot);

      Object[] handlerLocals = exitLocals;
      if (returnsValue) {
        handlerLocals = new Object[resultSlot + 1];
        handlerLocals[0] = owner;
        for (int i = 1; i < resultSlot; i++) {
          handlerLocals[i] = TOP;
        }
        handlerLocals[resultSlot] = frameType(returnType);
      }
      super.visitLabel(handler);
      super.visitFrame(F_NEW, handlerLocals.length, handlerLocals, 1, new Object[] {THROWABLE});
      emitFailureReport();
      emitReturn(resultSlot);
      super.visitMaxs(maxStack, maxLocals + 1);
    }

    private void emitReturn(int resultSlot) {
      if (returnOpcode == ARETURN) {
        super.visitVarInsn(ALOAD, resultSlot);
      }
      super.visitInsn(returnOpcode);
    }
  }
}
