package dev.pinagent.instrumentation;

import java.util.Objects;
import net.bytebuddy.jar.asm.Type;

/**
 * One hooked JDK method, described as data: when it runs (on entry or on exit), which value of it is replaced,
 * and which bridge method returns the replacement. {@link HookWeaver} turns this into bytecode.
 *
 * <p>Every hook does the same thing, which in Java reads:
 *
 * <pre>{@code
 * try {
 *   value = (ValueType) Class.forName(BRIDGE_CLASS, true, ClassLoader.getSystemClassLoader())
 *       .getMethod(bridgeMethod, Object.class, Object.class)
 *       .invoke(null, this, value);
 * } catch (Throwable e) {
 *   System.err.println(failureMessage + e);
 * }
 * }</pre>
 *
 * <p>The bridge is reached reflectively because the hooked code lives in {@code java.base}, which cannot
 * name the agent's classes (see the {@code bridge} package doc); nothing thrown escapes into the host.
 */
final class MethodHook {
  /** The class every hook calls: a constant, so the woven code names it as a string only. */
  static final String BRIDGE_CLASS = "dev.pinagent.bridge.TrustManagerWrapping";

  /** When the bridge is called. */
  enum Point {
    /** Before the method's own code; the value is one of its arguments. */
    ENTRY,
    /** At every return; the value is a field of {@code this} or the value returned. */
    EXIT
  }

  /** Which value the bridge's result replaces. */
  enum ValueKind {
    ARGUMENT,
    FIELD,
    RETURN_VALUE
  }

  final String typeName;
  final String methodName;
  final String methodDescriptor;
  final Point point;
  final ValueKind valueKind;
  /** The argument index for {@link ValueKind#ARGUMENT}, the field name for {@link ValueKind#FIELD}. */
  final int argumentIndex;
  final String fieldName;
  /** The declared type of the value, which the bridge's result is cast to. */
  final Type valueType;
  /** A public static method of {@link #BRIDGE_CLASS} taking {@code (Object owner, Object value)}. */
  final String bridgeMethod;
  /** The start of the stderr line printed when the bridge cannot be reached; the exception follows it. */
  final String failureMessage;
  /**
   * Which value the bridge gets as its first parameter: -1 for {@code this}, else the index of an argument (entry
   * hooks only, since the method may have overwritten its arguments by the time it returns).
   */
  final int ownerArgumentIndex;
  /**
   * The internal name of the one exception type the bridge may throw to refuse the call, which the woven code
   * then lets through to the caller (as the hooked method itself could throw it); {@code null} when nothing may
   * propagate. Entry hooks only.
   */
  final String refusal;

  private MethodHook(String typeName, String methodName, String methodDescriptor, Point point,
      ValueKind valueKind, int argumentIndex, String fieldName, Type valueType, String bridgeMethod,
      String failureMessage) {
    this(typeName, methodName, methodDescriptor, point, valueKind, argumentIndex, fieldName, valueType, bridgeMethod,
        failureMessage, -1, null);
  }

  private MethodHook(String typeName, String methodName, String methodDescriptor, Point point,
      ValueKind valueKind, int argumentIndex, String fieldName, Type valueType, String bridgeMethod,
      String failureMessage, int ownerArgumentIndex, String refusal) {
    this.typeName = Objects.requireNonNull(typeName);
    this.methodName = Objects.requireNonNull(methodName);
    this.methodDescriptor = Objects.requireNonNull(methodDescriptor);
    this.point = point;
    this.valueKind = valueKind;
    this.argumentIndex = argumentIndex;
    this.fieldName = fieldName;
    this.valueType = valueType;
    this.bridgeMethod = Objects.requireNonNull(bridgeMethod);
    this.failureMessage = Objects.requireNonNull(failureMessage);
    this.ownerArgumentIndex = ownerArgumentIndex;
    this.refusal = refusal;
    if (valueType.getSort() != Type.OBJECT && valueType.getSort() != Type.ARRAY) {
      throw new IllegalArgumentException("hooks replace references only, not " + valueType);
    }
    if ((ownerArgumentIndex >= 0 || refusal != null) && point != Point.ENTRY) {
      throw new IllegalArgumentException("only entry hooks take an argument as owner or refuse the call");
    }
    if (ownerArgumentIndex >= 0) {
      Type owner = Type.getArgumentTypes(methodDescriptor)[ownerArgumentIndex];
      if (owner.getSort() != Type.OBJECT && owner.getSort() != Type.ARRAY) {
        throw new IllegalArgumentException("the owner handed to the bridge must be a reference, not " + owner);
      }
    }
  }

  /** This hook, handing the bridge argument {@code index} instead of {@code this} as its first parameter. */
  MethodHook withOwnerArgument(int index) {
    return new MethodHook(typeName, methodName, methodDescriptor, point, valueKind, argumentIndex, fieldName,
        valueType, bridgeMethod, failureMessage, index, refusal);
  }

  /** This hook, letting an exception of {@code exceptionInternalName} thrown by the bridge refuse the call. */
  MethodHook refusingWith(String exceptionInternalName) {
    return new MethodHook(typeName, methodName, methodDescriptor, point, valueKind, argumentIndex, fieldName,
        valueType, bridgeMethod, failureMessage, ownerArgumentIndex, exceptionInternalName);
  }

  /** On entry, replaces argument {@code index} (0-based, {@code this} not counted). */
  static MethodHook onEntryReplaceArgument(String typeName, String methodName, String methodDescriptor, int index,
      String bridgeMethod, String failureMessage) {
    Type[] arguments = Type.getArgumentTypes(methodDescriptor);
    return new MethodHook(typeName, methodName, methodDescriptor, Point.ENTRY, ValueKind.ARGUMENT, index, null,
        arguments[index], bridgeMethod, failureMessage);
  }

  /** On exit, replaces the instance field {@code fieldName} of type {@code fieldDescriptor}. */
  static MethodHook onExitReplaceField(String typeName, String methodName, String methodDescriptor,
      String fieldName, String fieldDescriptor, String bridgeMethod, String failureMessage) {
    return new MethodHook(typeName, methodName, methodDescriptor, Point.EXIT, ValueKind.FIELD, -1, fieldName,
        Type.getType(fieldDescriptor), bridgeMethod, failureMessage);
  }

  /** On exit, replaces the value the method returns. */
  static MethodHook onExitReplaceReturnValue(String typeName, String methodName, String methodDescriptor,
      String bridgeMethod, String failureMessage) {
    return new MethodHook(typeName, methodName, methodDescriptor, Point.EXIT, ValueKind.RETURN_VALUE, -1, null,
        Type.getReturnType(methodDescriptor), bridgeMethod, failureMessage);
  }

  String internalTypeName() {
    return typeName.replace('.', '/');
  }

  /** For error messages: {@code sun.security.ssl.SSLContextImpl.engineInit(...)V}. */
  String methodSignature() {
    return typeName + "." + methodName + methodDescriptor;
  }

  /** This hook aimed at another type, for tests on stand-ins shaped like the JDK's. */
  MethodHook on(String otherTypeName) {
    return new MethodHook(otherTypeName, methodName, methodDescriptor, point, valueKind, argumentIndex, fieldName,
        valueType, bridgeMethod, failureMessage, ownerArgumentIndex, refusal);
  }
}
